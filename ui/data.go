package ui

import (
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/maestro-recovery/maestro/checkpoint"
	"github.com/maestro-recovery/maestro/escalate"
	sessionlog "github.com/maestro-recovery/maestro/session"
)

// cache keeps what the pages read, each part keyed on a cheap change
// signal: the checkpoint catalog (a for-each-ref and a cat-file, tens of
// milliseconds for thousands of checkpoints) on the refs' files; a
// session's timeline page (its newest items: session.Log.Newest and
// checkpoint.Store.LoadNewest read only those) on the refs and the log's
// files; a session's summary for the page of sessions (every entry
// decoded, one at a time, none kept) on the log's files. A signal that
// changed less than settle ago is not trusted, since a file's time has a
// coarse grain (the kernel's tick): a change in the same tick as the read
// would go unseen. Each load runs once at a time per key (flight): a
// request that comes while the warm-up loads the same thing waits for it
// rather than doing it again.
type cache struct {
	s *Server

	mu      sync.Mutex
	catSig  uint64
	cat     *checkpoint.Catalog
	pages   map[string]cachedPage
	sums    map[string]cachedSummary
	loading sync.Mutex // one catalog load at a time
	flights flight
}

// cachedPage is a session's newest items, oldest first, and how many
// items the session has in all.
type cachedPage struct {
	sig   uint64
	n     int
	items []sessionlog.Item
	total int
}

type cachedSummary struct {
	sig uint64
	sum sessionlog.Summary
}

func newCache(s *Server) *cache {
	return &cache{s: s, pages: map[string]cachedPage{}, sums: map[string]cachedSummary{}}
}

// settle is how old a change must be for its signal to be trusted: many
// ticks.
const settle = 100 * time.Millisecond

func (c *cache) catalog() (*checkpoint.Catalog, error) {
	c.loading.Lock()
	defer c.loading.Unlock()
	sig, fresh := c.refsSignature()
	c.mu.Lock()
	if c.cat != nil && sig == c.catSig {
		cat := c.cat
		c.mu.Unlock()
		return cat, nil
	}
	c.mu.Unlock()
	cat, err := c.s.store.Load()
	if err != nil {
		return nil, err
	}
	if fresh {
		c.mu.Lock()
		c.cat, c.catSig = cat, sig
		c.mu.Unlock()
	}
	return cat, nil
}

// warm reads what the first pages show, so that a person opening the
// printed address need not wait: every session's first timeline page
// first (cheap, and what a link to a session opens), then, together, the
// catalog and the sessions' summaries (the page of sessions).
func (c *cache) warm() {
	infos, _ := sessionlog.List(c.s.stateDir)
	for _, i := range infos {
		c.timeline(i.ID, perPage)
	}
	var wg sync.WaitGroup
	wg.Go(func() { c.catalog() })
	for _, i := range infos {
		wg.Go(func() { c.summary(i.ID) })
	}
	wg.Wait()
}

// forget drops the catalog after the server itself changed the refs.
func (c *cache) forget() {
	c.mu.Lock()
	c.cat = nil
	c.mu.Unlock()
}

func (c *cache) logSignature(id string) (uint64, bool) {
	l := sessionlog.Open(c.s.stateDir, id)
	return filesSignature(filepath.Join(l.Dir, "log.jsonl"), filepath.Join(l.Dir, "log.1.jsonl"))
}

// timeline is session id's newest n items, oldest first, and how many it
// has in all: the log's newest n entries and git's newest n checkpoints
// and n events, read at the same time, merged, the newest n kept.
func (c *cache) timeline(id string, n int) ([]sessionlog.Item, int, error) {
	rsig, rfresh := c.refsSignature()
	lsig, lfresh := c.logSignature(id)
	sig := rsig ^ lsig*31
	c.mu.Lock()
	if p, ok := c.pages[id]; ok && p.sig == sig && p.n >= n {
		c.mu.Unlock()
		return p.items[max(len(p.items)-n, 0):], p.total, nil
	}
	c.mu.Unlock()
	v, err := c.flights.do(fmt.Sprintf("timeline %s %d", id, n), func() (any, error) {
		var (
			es     []sessionlog.Entry
			count  int
			logErr error
			wg     sync.WaitGroup
		)
		wg.Go(func() { es, count, logErr = sessionlog.Open(c.s.stateDir, id).Newest(n) })
		nw, err := c.s.store.LoadNewest(id, n)
		wg.Wait()
		if err == nil {
			err = logErr
		}
		if err != nil {
			return nil, err
		}
		items := sessionlog.Timeline(id, es, nw.Catalog)
		p := cachedPage{sig: sig, n: n, items: slices.Clip(items[max(len(items)-n, 0):]), total: count + nw.Records + nw.Events}
		if rfresh && lfresh {
			c.mu.Lock()
			c.pages[id] = p
			c.mu.Unlock()
		}
		return p, nil
	})
	if err != nil {
		return nil, 0, err
	}
	p := v.(cachedPage)
	return p.items[max(len(p.items)-n, 0):], p.total, nil
}

// summary is session id's log summed up.
func (c *cache) summary(id string) (sessionlog.Summary, error) {
	sig, fresh := c.logSignature(id)
	c.mu.Lock()
	if cs, ok := c.sums[id]; ok && cs.sig == sig {
		c.mu.Unlock()
		return cs.sum, nil
	}
	c.mu.Unlock()
	v, err := c.flights.do("summary "+id, func() (any, error) {
		sum, err := sessionlog.Open(c.s.stateDir, id).Summary()
		if err != nil {
			return nil, err
		}
		if fresh {
			c.mu.Lock()
			c.sums[id] = cachedSummary{sig, sum}
			c.mu.Unlock()
		}
		return sum, nil
	})
	if err != nil {
		return sessionlog.Summary{}, err
	}
	return v.(sessionlog.Summary), nil
}

// flight runs one load per key at a time: those who ask for a key being
// loaded wait for that load's result.
type flight struct {
	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done    chan struct{}
	v       any
	err     error
	waiters int // those who joined it (the tests look)
}

func (f *flight) do(key string, load func() (any, error)) (any, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]*call{}
	}
	if c, ok := f.calls[key]; ok {
		c.waiters++
		f.mu.Unlock()
		<-c.done
		return c.v, c.err
	}
	c := &call{done: make(chan struct{})}
	f.calls[key] = c
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.calls, key)
		f.mu.Unlock()
		close(c.done)
	}()
	c.v, c.err = load()
	return c.v, c.err
}

// questions are the questions waiting for an answer, oldest first: those
// asked here and those fetched from the remotes (maestro questions
// --remote), as maestro questions lists them.
func (c *cache) questions() ([]*escalate.Record, error) {
	open, _, err := c.s.shared().List(false)
	return open, err
}

// refsSignature sums up the files git keeps refs/maestro/ in: packed-refs,
// the folders of loose refs (a ref written or deleted changes its
// folder's time), and a reftable's table list. The folders are
// KIND/SESSION and remotes/REMOTE/KIND/SESSION (checkpoint.parseRef):
// those that hold folders are listed, a session's folder, which holds its
// refs by the thousand, only looked at. fresh is false when one of them
// changed within settle.
func (c *cache) refsSignature() (uint64, bool) {
	h := fnv.New64a()
	fresh := true
	now := time.Now()
	add := func(p string, info fs.FileInfo) {
		fmt.Fprintf(h, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
		if now.Sub(info.ModTime()) < settle {
			fresh = false
		}
	}
	for _, p := range []string{"packed-refs", filepath.Join("reftable", "tables.list")} {
		if info, err := os.Stat(filepath.Join(c.s.gitDir, p)); err == nil {
			add(p, info)
		}
	}
	root := filepath.Join(c.s.gitDir, "refs", "maestro")
	// below is how many levels of folders are under p.
	var walk func(p string, below int)
	walk = func(p string, below int) {
		info, err := os.Lstat(p)
		if err != nil || !info.IsDir() {
			return
		}
		add(p, info)
		if below == 0 {
			return
		}
		ds, _ := os.ReadDir(p)
		for _, d := range ds {
			if !d.IsDir() {
				continue
			}
			n := below - 1
			if p == root && d.Name() == "remotes" {
				n = 3
			}
			walk(filepath.Join(p, d.Name()), n)
		}
	}
	walk(root, 2)
	return h.Sum64(), fresh
}

// filesSignature sums up files' sizes and times.
func filesSignature(paths ...string) (uint64, bool) {
	h := fnv.New64a()
	fresh := true
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(h, "%s -\n", p)
			continue
		}
		fmt.Fprintf(h, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
		if time.Since(info.ModTime()) < settle {
			fresh = false
		}
	}
	return h.Sum64(), fresh
}

// stateSignature sums up the local state the pages show: every session's
// log files, the sessions folder, and the questions folder (a question or
// an answer adds a file to it).
func (c *cache) stateSignature() uint64 {
	h := fnv.New64a()
	sessions := filepath.Join(c.s.stateDir, "sessions")
	paths := []string{sessions, filepath.Join(c.s.stateDir, "questions")}
	if ds, err := os.ReadDir(sessions); err == nil {
		for _, d := range ds {
			if d.IsDir() {
				paths = append(paths, filepath.Join(sessions, d.Name(), "log.jsonl"), filepath.Join(sessions, d.Name(), "log.1.jsonl"))
			}
		}
	}
	sig, _ := filesSignature(paths...)
	fmt.Fprintf(h, "%d", sig)
	return h.Sum64()
}

// watch looks for changes every Poll, for every client at once, and tells
// the live-update streams the new signature when something changed. With
// nobody listening it does no work, and last goes stale: the next look
// then tells the streams a signature they may know already, which each
// stream drops (see events), having sent its own on connect.
func (s *Server) watch(ctx context.Context) {
	t := time.NewTicker(s.o.Poll)
	defer t.Stop()
	var last string
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.done:
			return
		case <-t.C:
		}
		if !s.hub.watched() {
			continue
		}
		if sig := s.signature(); sig != last {
			last = sig
			s.hub.publish(sig)
		}
	}
}

// signature is the version of what the pages show: a page carries the one
// taken before it read anything (body[data-version]), the live-update
// stream sends the current one, and a page fetches itself again only when
// they differ.
func (s *Server) signature() string {
	r, _ := s.data.refsSignature()
	return fmt.Sprintf("%016x", r^s.data.stateSignature()*31)
}

// hub fans a change out to every live-update stream.
type hub struct {
	mu      sync.Mutex
	clients map[chan string]bool
}

func newHub() *hub { return &hub{clients: map[chan string]bool{}} }

// maxStreams bounds the live-update streams open at once: each holds a
// connection.
const maxStreams = 64

func (h *hub) subscribe() (chan string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.clients) >= maxStreams {
		return nil, false
	}
	ch := make(chan string, 1)
	h.clients[ch] = true
	return ch, true
}

func (h *hub) unsubscribe(ch chan string) {
	h.mu.Lock()
	delete(h.clients, ch)
	h.mu.Unlock()
}

func (h *hub) watched() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients) > 0
}

// publish hands sig to every stream; one that has not sent the signature
// before it yet gets this one instead: only the newest matters.
func (h *hub) publish(sig string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.clients {
		select {
		case <-ch:
		default:
		}
		ch <- sig // the hub alone sends, under its lock: there is room
	}
}
