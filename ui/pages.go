package ui

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/textsafe"
	sessionlog "github.com/maestro-recovery/maestro/session"
	"github.com/maestro-recovery/maestro/wrapper"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// perPage is how many timeline items a page shows.
const perPage = 50

// answeredByWeb is DESIGN.md's answered_by for an answer given on the page.
const answeredByWeb = "web"

// maxJustification bounds a justification typed on the page.
const maxJustification = 16 << 10

// pageData is what every template gets; each page fills its part.
type pageData struct {
	Title   string
	Version string // the signature of the state shown (see versioned)
	Message string
	CSRF    string
	Repo    string
	Now     string

	Sessions  []sessionRow
	Questions []questionRow

	Session  string
	Items    []itemView
	Page     int
	Prev     int
	Next     int
	Pages    int
	Record   *recordView
	Diff     *diffView
	DiffErr  string
	Result   *resultView
	Question *questionView
}

func parsePages() (*template.Template, error) {
	funcs := template.FuncMap{
		"v":     textsafe.Visible,
		"lines": textsafe.VisibleLines,
		"time":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	}
	return template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/*.html")
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("GET /s/{session}", s.timeline)
	mux.HandleFunc("GET /c/{session}/{checkpoint}", s.checkpointPage)
	mux.HandleFunc("POST /c/{session}/{checkpoint}/rollback", s.rollback)
	mux.HandleFunc("POST /c/{session}/{checkpoint}/undo", s.undo)
	mux.HandleFunc("GET /q/{id}", s.questionPage)
	mux.HandleFunc("POST /q/{id}", s.answer)
	mux.HandleFunc("GET /events", s.events)
	mux.HandleFunc("GET /static/{file}", s.static)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.refuse(w, r, http.StatusNotFound, "No such page.")
	})
	return mux
}

// static serves the page's two assets, and nothing else of the binary.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	types := map[string]string{"ui.css": "text/css; charset=utf-8", "ui.js": "text/javascript; charset=utf-8"}
	name := r.PathValue("file")
	data, err := staticFiles.ReadFile("static/" + name)
	if types[name] == "" || err != nil {
		s.refuse(w, r, http.StatusNotFound, "No such page.")
		return
	}
	w.Header().Set("Content-Type", types[name])
	w.Write(data)
}

// render writes a page whole, or a short error page when the template
// fails: never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, d pageData) {
	d.Repo = s.repo
	d.Version, _ = r.Context().Value(versionKey{}).(string)
	var b bytes.Buffer
	if err := s.pages.ExecuteTemplate(&b, name, d); err != nil {
		fmt.Fprintf(s.o.Log, "maestro: error: ui: page %s: %v\n", name, err)
		http.Error(w, "maestro: the page could not be made", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(b.Bytes())
	}
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	fmt.Fprintf(s.o.Log, "maestro: error: ui: %s: %v\n", r.URL.Path, err)
	s.refuse(w, r, http.StatusInternalServerError, "maestro could not read this: "+err.Error())
}

// sessionRow is a session on the first page.
type sessionRow struct {
	ID           string
	Description  string
	Agent        string
	LastActivity time.Time
	Stats        sessionlog.Stats
	Failures     string // failed attempts by type
	Open         int    // questions waiting
}

type questionRow struct {
	ID, SessionID, Issue string
	AskedAt              time.Time
	Remote               string // "" for a question asked here
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	cat, err := s.data.catalog()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	infos, err := sessionlog.List(s.stateDir)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	qs, err := s.data.questions()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	last := map[string]time.Time{}
	later := func(id string, t time.Time) {
		if t.After(last[id]) {
			last[id] = t
		}
	}
	for _, rec := range cat.Records {
		later(rec.SessionID, rec.Timestamp)
	}
	for _, ev := range cat.Events {
		later(ev.SessionID, ev.Timestamp)
	}
	ids := map[string]string{} // id -> description
	for _, i := range infos {
		ids[i.ID] = i.Description
	}
	for id := range last {
		if _, ok := ids[id]; !ok {
			ids[id] = ""
		}
	}
	open := map[string]int{}
	d := pageData{Title: "Sessions", CSRF: s.csrf}
	for _, q := range qs {
		open[q.SessionID]++
		d.Questions = append(d.Questions, questionRow{ID: q.ID, SessionID: q.SessionID, Issue: q.Issue, AskedAt: q.AskedAt, Remote: q.Remote})
	}
	for id, desc := range ids {
		sum, err := s.data.summary(id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		st := sum.Stats
		st.CountGit(cat)
		row := sessionRow{ID: id, Description: desc, Stats: st, Failures: counts(st.FailuresByType), Open: open[id], Agent: sum.Agent}
		if row.Description == "" {
			row.Description = st.Description
		}
		row.LastActivity = last[id]
		if sum.Last.After(row.LastActivity) {
			row.LastActivity = sum.Last
		}
		d.Sessions = append(d.Sessions, row)
	}
	sort.Slice(d.Sessions, func(i, j int) bool {
		a, b := d.Sessions[i], d.Sessions[j]
		if !a.LastActivity.Equal(b.LastActivity) {
			return a.LastActivity.After(b.LastActivity)
		}
		return a.ID < b.ID
	})
	s.render(w, r, http.StatusOK, "index", d)
}

// counts is "a 2, b 1"; the page escapes the names.
func counts(m map[string]int) string { return sessionlog.CountsText(m, textsafe.Visible) }

// pathID is a path parameter that must be a safe id: anything else is not
// a page here.
func pathID(r *http.Request, name, what string) (string, bool) {
	id := r.PathValue(name)
	return id, checkpoint.ValidateID(what, id) == nil
}

// pageNumber reads ?page=N: 1 when absent, false when it is not a page.
func pageNumber(r *http.Request) (int, bool) {
	p := r.URL.Query().Get("page")
	if p == "" {
		return 1, true
	}
	n, err := strconv.Atoi(p)
	return n, err == nil && n >= 1 && n <= 1_000_000
}

func (s *Server) timeline(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "session", "session id")
	if !ok {
		s.refuse(w, r, http.StatusNotFound, "No such session.")
		return
	}
	page, ok := pageNumber(r)
	if !ok {
		s.refuse(w, r, http.StatusBadRequest, "?page= takes a page number: 1, 2, ...")
		return
	}
	// Page p needs the newest p*perPage items: as many of each kind.
	items, total, err := s.data.timeline(id, page*perPage)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(items) == 0 {
		s.refuse(w, r, http.StatusNotFound, "No such session: nothing was recorded in it.")
		return
	}
	d := pageData{Title: "Session " + id, Session: id, Page: page, CSRF: s.csrf}
	d.Pages = max((total+perPage-1)/perPage, 1)
	// Newest first: page p ends the oldest-first list.
	end := len(items) - (page-1)*perPage
	start := max(end-perPage, 0)
	for i := end - 1; i >= start; i-- {
		d.Items = append(d.Items, itemOf(&items[i]))
	}
	if page > 1 {
		d.Prev = page - 1
	}
	if page < d.Pages {
		d.Next = page + 1
	}
	s.render(w, r, http.StatusOK, "session", d)
}

// itemView is a timeline item as the page shows it: a kind (its
// data-kind), a title line, details, and a link for a checkpoint.
type itemView struct {
	Kind    string
	Time    time.Time
	Title   string
	Details []string
	Line    string // a run's matched output line
	Link    string
	Flag    string // "failed", "flaky", "open": a class to colour it
}

func itemOf(it *sessionlog.Item) itemView {
	v := itemView{Kind: it.Type, Time: it.Time, Title: it.Description}
	switch {
	case it.Run != nil:
		r := it.Run
		v.Kind = "run"
		v.Title = textsafe.ShellJoin(r.Command)
		v.Flag = r.Outcome
		d := fmt.Sprintf("%s after %d attempt%s, exit %d, %.1fs", r.Outcome, r.AttemptsMade, plural(r.AttemptsMade), r.ExitCode, r.TotalTimeSeconds)
		if r.FailureType != "" {
			d += ", " + r.FailureType
		}
		v.Details = append(v.Details, d)
		if len(r.Failures) > 0 {
			v.Details = append(v.Details, "failed attempts: "+counts(r.Failures))
		}
		v.Details = append(v.Details, tests("flaky tests", r.FlakyTests, r.FlakyTestsCount)...)
		v.Details = append(v.Details, tests("failed tests", r.FailedTests, r.FailedTestsCount)...)
		for _, res := range r.Recovery {
			v.Details = append(v.Details, res.StrategyUsed+": "+res.Message)
		}
		v.Line = r.Line
	case it.Human != nil && it.Type == sessionlog.KindQuestion:
		v.Kind = "question"
		v.Title = it.Human.Issue
		v.Details = []string{"options: " + strings.Join(it.Human.Options, " | "), "id " + it.Human.ID}
		v.Link = "/q/" + it.Human.ID
	case it.Human != nil && it.Type == sessionlog.KindAnswer:
		v.Kind = "answer"
		v.Title = it.Human.Option
		v.Details = []string{"to " + it.Human.Issue, "by " + it.Human.AnsweredBy}
		if it.Human.Justification != "" {
			v.Details = append(v.Details, "why: "+it.Human.Justification)
		}
		v.Link = "/q/" + it.Human.ID
	case it.Checkpoint != nil:
		c := it.Checkpoint
		v.Kind = "checkpoint"
		v.Title = c.CheckpointID + ": " + it.Description
		v.Details = []string{"type " + c.CheckpointType + phase(c.Phase) + ", " + source(c.Source) + ", commit " + short(c.CommitSHA)}
		v.Link = "/c/" + it.SessionID + "/" + c.CheckpointID
	case it.Event != nil:
		e := it.Event
		switch it.Type {
		case checkpoint.EventRollback:
			v.Title = "rollback to " + e.CheckpointID
			if !strings.Contains(e.CheckpointID, "/") { // not a fetched one
				v.Link = "/c/" + it.SessionID + "/" + e.CheckpointID
			}
			if e.Forced {
				v.Title += " (forced)"
			}
		case checkpoint.EventAdopt:
			v.Title = "adopt of fork " + e.Fork + ", made at " + e.CheckpointID
			if !strings.Contains(e.CheckpointID, "/") {
				v.Link = "/c/" + it.SessionID + "/" + e.CheckpointID
			}
			if e.Forced {
				v.Title += " (forced)"
			}
		case checkpoint.EventUndo:
			v.Title = "undo of " + e.Undoes
			if e.Automatic {
				v.Title += " (automatic: a step failed half way)"
			}
			if len(e.Undone) > 1 {
				v.Title = fmt.Sprintf("undo to before %s (%d operations)", e.Undoes, len(e.Undone))
			}
		case checkpoint.EventRedo:
			v.Title = "redo: took back the undo " + e.Redoes
		case checkpoint.EventFetch:
			v.Title = fmt.Sprintf("fetch from %s: %d ref%s", e.Remote, e.RefsChanged, plural(e.RefsChanged))
		case checkpoint.EventPrune:
			v.Title = fmt.Sprintf("prune: %d checkpoint%s", e.Pruned, plural(e.Pruned))
		default:
			v.Title = it.Type
		}
		v.Details = []string{"event " + e.EventID}
	case it.Agent != nil:
		a := it.Agent
		v.Kind = "agent"
		v.Title = a.Agent + " " + a.Event
		if a.Command != "" {
			v.Details = append(v.Details, a.Command)
		}
		if a.FailureType != "" {
			v.Details = append(v.Details, "failure: "+a.FailureType)
		}
		v.Line = a.Line
	case it.Type == sessionlog.KindStart:
		v.Kind = "start"
		v.Title = "session started: " + it.Description
	}
	if it.Truncated {
		v.Details = append(v.Details, "(texts clipped in the log)")
	}
	return v
}

func tests(what string, ts []wrapper.TestOutcome, count int) []string {
	if len(ts) == 0 {
		return nil
	}
	const few = 5
	names := make([]string, 0, few)
	for _, t := range ts[:min(len(ts), few)] {
		names = append(names, t.Name())
	}
	line := what + ": " + strings.Join(names, ", ")
	if rest := max(count, len(ts)) - len(names); rest > 0 {
		line += fmt.Sprintf(" and %d more", rest)
	}
	return []string{line}
}

func phase(p string) string {
	if p == "" {
		return ""
	}
	return ", phase " + p
}

func source(src string) string {
	switch src {
	case "", "checkpoint":
		return "by hand"
	case checkpoint.SourceRun:
		return "by maestro run"
	}
	return "by the " + src + " hook"
}

func short(sha string) string { return sha[:min(len(sha), 12)] }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// recordView is a checkpoint's record as the page lists it.
type recordView struct {
	Session, ID string
	Fields      [][2]string
}

func (s *Server) findCheckpoint(w http.ResponseWriter, r *http.Request) (*checkpoint.Record, bool) {
	session, ok1 := pathID(r, "session", "session id")
	id, ok2 := pathID(r, "checkpoint", "checkpoint id")
	if !ok1 || !ok2 {
		s.refuse(w, r, http.StatusNotFound, "No such checkpoint.")
		return nil, false
	}
	cat, err := s.data.catalog()
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	rec, err := cat.Find(session, id)
	if err != nil {
		s.refuse(w, r, http.StatusNotFound, "No such checkpoint: "+err.Error())
		return nil, false
	}
	return rec, true
}

func (s *Server) checkpointData(rec *checkpoint.Record) pageData {
	d := pageData{Title: "Checkpoint " + rec.CheckpointID, Session: rec.SessionID, CSRF: s.csrf}
	f := [][2]string{
		{"checkpoint_id", rec.CheckpointID},
		{"session_id", rec.SessionID},
		{"timestamp", rec.Timestamp.UTC().Format(time.RFC3339)},
		{"description", rec.Description},
		{"phase", rec.Phase},
		{"checkpoint_type", rec.CheckpointType},
		{"commit_sha", rec.CommitSHA},
		{"head_sha", rec.HeadSHA},
		{"branch", strings.TrimPrefix(rec.Branch, "refs/heads/")},
		{"source", source(rec.Source)},
		{"tags", strings.Join(rec.Tags, ", ")},
		{"rollback_count", strconv.Itoa(rec.RollbackCount)},
		{"commit_message", rec.CommitMessage},
	}
	d.Record = &recordView{Session: rec.SessionID, ID: rec.CheckpointID, Fields: f}
	return d
}

func (s *Server) checkpointPage(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.findCheckpoint(w, r)
	if !ok {
		return
	}
	d := s.checkpointData(rec)
	s.addDiff(&d, rec)
	s.render(w, r, http.StatusOK, "checkpoint", d)
}

// addDiff puts the checkpoint's diff against the working tree on the
// page, bounded (see diffReader).
func (s *Server) addDiff(d *pageData, rec *checkpoint.Record) {
	dr := &diffReader{}
	_, err := s.store.Diff(rec, &checkpoint.PatchTo{W: dr})
	d.Diff = dr.finish()
	// git stopped by a full page is no failure.
	if err != nil && !d.Diff.Truncated {
		d.DiffErr = err.Error()
	}
}

// resultView says what a rollback or an undo did, or would do.
type resultView struct {
	OK      bool
	Title   string
	Lines   []string
	Confirm bool   // a dry run: the confirm button follows
	Undo    string // a rollback done: the event the undo button takes back
	Hint    string
}

func (s *Server) rollback(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.findCheckpoint(w, r)
	if !ok {
		return
	}
	confirm := r.PostForm.Get("confirm") == "yes"
	d := s.checkpointData(rec)
	res, err := s.store.Rollback(checkpoint.RollbackOptions{SessionID: rec.SessionID, CheckpointID: rec.CheckpointID, DryRun: !confirm})
	if err != nil {
		d.Result = &resultView{Title: "Rollback refused: " + err.Error(), Lines: hints(err)}
		s.render(w, r, statusOf(err), "checkpoint", d)
		return
	}
	if !confirm {
		d.Result = &resultView{OK: true, Confirm: true, Title: "A rollback to " + rec.CheckpointID + " would:", Lines: changes(res)}
		s.render(w, r, http.StatusOK, "checkpoint", d)
		return
	}
	s.data.forget()
	d.Result = &resultView{OK: true, Title: "Rolled back to " + rec.CheckpointID + ".", Lines: changes(res), Undo: res.EventID,
		Hint: "Take it back with the Undo button, or: git maestro undo --session-id " + rec.SessionID}
	s.addDiff(&d, rec)
	s.render(w, r, http.StatusOK, "checkpoint", d)
}

// undo takes back the rollback the page made, and nothing else: an undo
// whose newest operation is another (a second tab, a command since) is
// refused, not carried out on something the user did not see.
func (s *Server) undo(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.findCheckpoint(w, r)
	if !ok {
		return
	}
	d := s.checkpointData(rec)
	event := r.PostForm.Get("event")
	if checkpoint.ValidateID("event id", event) != nil {
		s.refuse(w, r, http.StatusBadRequest, "The undo form names no rollback.")
		return
	}
	o := checkpoint.UndoOptions{SessionID: rec.SessionID, Only: rec.SessionID, DryRun: true}
	res, err := s.store.UndoWith(o)
	if err == nil && res.Undoes != event {
		d.Result = &resultView{Title: "Not undone: the rollback " + event + " is not the newest operation of session " + rec.SessionID + " any more (it was taken back already, or something happened since).",
			Lines: []string{"'git maestro events' lists what happened; 'git maestro undo --to EVENT' takes back a chosen one"}}
		s.render(w, r, http.StatusConflict, "checkpoint", d)
		return
	}
	if err == nil {
		o.DryRun = false
		res, err = s.store.UndoWith(o)
	}
	if err != nil {
		d.Result = &resultView{Title: "Undo refused: " + err.Error(), Lines: hints(err)}
		s.render(w, r, statusOf(err), "checkpoint", d)
		return
	}
	s.data.forget()
	d.Result = &resultView{OK: true, Title: "Undid the rollback " + event + ": the working tree, index and branch are as they were before it.", Lines: changes(res),
		Hint: "Redo it with: git maestro undo --redo"}
	s.addDiff(&d, rec)
	s.render(w, r, http.StatusOK, "checkpoint", d)
}

// changes lists what a rollback or undo changed, or would change.
func changes(res *checkpoint.Result) []string {
	verb := func(done, would string) string {
		if res.DryRun {
			return would
		}
		return done
	}
	var out []string
	if res.HeadBefore != res.HeadAfter || res.BranchBefore != res.BranchAfter {
		out = append(out, fmt.Sprintf("HEAD %s from %s at %s to %s at %s", verb("moved", "move"), head(res.BranchBefore), short(res.HeadBefore), head(res.BranchAfter), short(res.HeadAfter)))
	}
	const few = 50
	for _, l := range []struct {
		what  string
		paths []string
	}{{verb("restored", "restore"), res.Restored}, {verb("removed", "remove"), res.Removed}} {
		for _, p := range l.paths[:min(len(l.paths), few)] {
			out = append(out, l.what+": "+p)
		}
		if len(l.paths) > few {
			out = append(out, fmt.Sprintf("%s: %d more", l.what, len(l.paths)-few))
		}
	}
	if len(res.Restored)+len(res.Removed) == 0 {
		out = append(out, verb("no file changed", "change no file"))
	}
	if len(res.LeftAlone) > 0 {
		out = append(out, fmt.Sprintf("leave alone %d ignored file%s and folder%s", len(res.LeftAlone), plural(len(res.LeftAlone)), plural(len(res.LeftAlone))))
	}
	return out
}

func head(branch string) string {
	if branch == "" {
		return "detached HEAD"
	}
	return strings.TrimPrefix(branch, "refs/heads/")
}

func hints(err error) []string {
	var h interface{ Hints() []string }
	if errors.As(err, &h) {
		return h.Hints()
	}
	return nil
}

// statusOf is 409 for what maestro refused (a rollback that would lose
// work, a merge in progress), 500 for what failed.
func statusOf(err error) int {
	var refused *checkpoint.Error
	var input *checkpoint.InputError
	if errors.As(err, &refused) || errors.As(err, &input) {
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// questionView is a question and its answer, if it has one.
type questionView struct {
	Q       *escalate.Question
	A       *escalate.Record
	Options []optionView
	Why     string // the justification typed, given back after a refusal
}

type optionView struct {
	N       int
	Text    string
	Default bool
	Checked bool
}

func (s *Server) loadQuestion(w http.ResponseWriter, r *http.Request) (*escalate.Shared, *escalate.Question, *escalate.Record, bool) {
	id, ok := pathID(r, "id", "question id")
	if !ok {
		s.refuse(w, r, http.StatusNotFound, "No such question.")
		return nil, nil, nil, false
	}
	shared := s.shared()
	q, a, err := shared.Get(id)
	if errors.Is(err, escalate.ErrNoQuestion) {
		s.refuse(w, r, http.StatusNotFound, "No such question.")
		return nil, nil, nil, false
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, nil, false
	}
	return shared, q, a, true
}

func questionData(csrf string, q *escalate.Question, a *escalate.Record, chosen string) pageData {
	qv := &questionView{Q: q, A: a}
	for i, o := range q.Options {
		ov := optionView{N: i + 1, Text: o, Default: o == q.Default}
		ov.Checked = chosen == strconv.Itoa(i+1) || chosen == "" && ov.Default
		qv.Options = append(qv.Options, ov)
	}
	return pageData{Title: "Question " + q.ID, Session: q.SessionID, CSRF: csrf, Question: qv}
}

func (s *Server) questionPage(w http.ResponseWriter, r *http.Request) {
	_, q, a, ok := s.loadQuestion(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "question", questionData(s.csrf, q, a, ""))
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request) {
	shared, q, a, ok := s.loadQuestion(w, r)
	if !ok {
		return
	}
	option, why := r.PostForm.Get("option"), r.PostForm.Get("justification")
	d := questionData(s.csrf, q, a, option)
	d.Question.Why = why
	refuse := func(code int, msg string) {
		d.Result = &resultView{Title: msg}
		s.render(w, r, code, "question", d)
	}
	if a != nil {
		refuse(http.StatusConflict, answeredText(a))
		return
	}
	n, err := strconv.Atoi(option)
	switch {
	case err != nil || n < 1 || n > len(q.Options):
		refuse(http.StatusUnprocessableEntity, "Choose one of the options.")
		return
	case len(why) > maxJustification:
		refuse(http.StatusUnprocessableEntity, fmt.Sprintf("The justification is too long: at most %d KiB.", maxJustification>>10))
		return
	case q.RequireJustification && strings.TrimSpace(why) == "":
		refuse(http.StatusUnprocessableEntity, "This question requires a justification: say why in the box.")
		return
	}
	// A question of a remote is answered there first: the first answer
	// wins, in any clone.
	rec, err := shared.Answer(r.Context(), q.ID, option, why, answeredByWeb)
	var bad *escalate.AnswerError
	var conflict *escalate.ConflictError
	var notPushed *escalate.NotPushedError
	warning := ""
	switch {
	case errors.Is(err, escalate.ErrAnswered) && rec != nil:
		d.Question.A = rec
		refuse(http.StatusConflict, answeredText(rec))
		return
	case errors.As(err, &conflict):
		d.Question.A = conflict.Winner
		refuse(http.StatusConflict, "Already answered: "+err.Error()+".")
		return
	case errors.As(err, &bad):
		refuse(http.StatusUnprocessableEntity, bad.Error())
		return
	case errors.As(err, &notPushed):
		warning = "Recorded here, but not on the remote: " + err.Error()
	case err != nil:
		s.fail(w, r, err)
		return
	}
	if _, _, err := shared.Store.Get(q.ID); err == nil {
		// As maestro answer does: asked here, the answer is the
		// session's history; one fetched belongs to another clone's.
		if err := sessionlog.Open(s.stateDir, q.SessionID).Append(sessionlog.Entry{Type: sessionlog.KindAnswer, Human: rec}); err != nil {
			fmt.Fprintf(s.o.Log, "maestro: warning: ui: answer to %s not in the session log: %v\n", q.ID, err)
		}
	}
	d.Question.A = rec
	d.Result = &resultView{OK: true, Title: "Answered: " + textsafe.Visible(rec.Option) + ".", Hint: warning}
	s.render(w, r, http.StatusOK, "question", d)
}

func answeredText(a *escalate.Record) string {
	at := "?"
	if a.AnsweredAt != nil {
		at = a.AnsweredAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("Already answered: %q, by %s at %s. The answer stands; this one was not recorded.", textsafe.Visible(a.Option), a.AnsweredBy, at)
}

// events is the live-update stream: an event "change" whose data is the
// signature of what the pages show (see Server.signature), first the
// current one (a change between a page's render and its connecting here is
// not lost), then each new one.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	ch, ok := s.hub.subscribe()
	if !ok {
		s.refuse(w, r, http.StatusServiceUnavailable, "Too many live pages open.")
		return
	}
	defer s.hub.unsubscribe(ch)
	// Taken after subscribing: a change after this is published to ch.
	sent := s.signature()
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // a stream, not a page
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 2000\n\nevent: change\ndata: %s\n\n", sent)
	rc.Flush()
	keep := time.NewTicker(25 * time.Second)
	defer keep.Stop()
	for {
		select {
		case sig := <-ch:
			if sig == sent {
				continue
			}
			sent = sig
			fmt.Fprintf(w, "event: change\ndata: %s\n\n", sig)
		case <-keep.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
		if rc.Flush() != nil {
			return
		}
	}
}

// versionKey is the request's context key of the signature taken before a
// page read anything.
type versionKey struct{}

// versioned takes the signature a page will carry, before its handler
// reads anything: data that changes while it does is then newer than the
// page's version, and the stream's next signature fetches it again.
func (s *Server) versioned(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path != "/events" && !strings.HasPrefix(r.URL.Path, "/static/") {
			r = r.WithContext(context.WithValue(r.Context(), versionKey{}, s.signature()))
		}
		next.ServeHTTP(w, r)
	})
}
