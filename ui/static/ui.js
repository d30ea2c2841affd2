// Live updates: the server sends the signature of what the pages show
// (first the current one, then each change); when it is not the one this
// page was made at (body[data-version]), fetch this page again and swap
// its <main> in, unless a form is being filled in: a field has the focus
// (then once the person leaves it) or holds what they typed or chose. The
// pages work without it.
(function () {
  if (!window.EventSource || !window.fetch || !window.DOMParser) return;
  var busy = false;
  var want = null; // the newest signature the server sent
  function editing() {
    var a = document.activeElement;
    return a && a.form !== undefined && a.form !== null && a.tagName !== 'BUTTON';
  }
  // A form with something typed or chosen in it: swapping it would lose that.
  function changed() {
    var fields = document.querySelectorAll('main input, main textarea, main select');
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === 'radio' || f.type === 'checkbox') {
        if (f.checked !== f.defaultChecked) return true;
      } else if (f.tagName === 'SELECT') {
        for (var j = 0; j < f.options.length; j++) {
          if (f.options[j].selected !== f.options[j].defaultSelected) return true;
        }
      } else if (f.type !== 'hidden' && f.value !== f.defaultValue) {
        return true;
      }
    }
    return false;
  }
  function held() { return editing() || changed() || document.querySelector('#result') !== null; }
  function refresh() {
    var b = document.body;
    if (busy || want === null || want === b.dataset.version || held()) return;
    busy = true;
    var asked = want;
    fetch(location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.querySelector('main');
        var main = document.querySelector('main');
        // Again: the person may have begun typing while it was fetched.
        if (!fresh || !main || held()) return;
        main.replaceWith(document.importNode(fresh, true));
        b.dataset.version = (doc.body && doc.body.dataset.version) || asked;
        b.dataset.updated = String(Number(b.dataset.updated || '0') + 1);
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (want !== asked) refresh(); // a change came during the fetch
      });
  }
  var es = new EventSource('/events');
  es.addEventListener('change', function (e) { want = e.data; refresh(); });
  // A refresh held back while a field had the focus.
  document.addEventListener('focusout', function () { setTimeout(refresh, 0); });
})();
