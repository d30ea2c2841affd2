package session

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/maestro-recovery/maestro/internal/state"
)

// Newest reads the log's newest n entries, oldest first, and about how
// many it holds in all, reading its files from their end: a page showing
// the last fifty of ten thousand entries decodes fifty. What rotation kept
// (log.1.jsonl) is read only when the log itself holds fewer than n. A
// writer that appended to log.1.jsonl as it was rotated may have put an
// entry there that is newer than the log's oldest: it is found when
// log.1.jsonl is read at all, as Entries would.
func (l *Log) Newest(n int) ([]Entry, int, error) {
	var es []Entry // newest first
	total := 0
	for _, p := range []string{l.path(), l.oldPath()} {
		c, err := state.CountRecords(p)
		if err != nil {
			return nil, 0, err
		}
		total += c
		if len(es) >= n {
			continue
		}
		err = state.ReadBackward(p, func(line []byte) (bool, error) {
			var e Entry
			if err := json.Unmarshal(line, &e); err != nil {
				return false, fmt.Errorf("%s: %w", p, err)
			}
			es = append(es, e)
			return len(es) < n, nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].Time.Before(es[j].Time) })
	return es, total, nil
}

// Summary is a log summed up without holding its entries: the page of
// sessions keeps this, not ten thousand entries, for each session.
type Summary struct {
	Stats Stats
	Last  time.Time // the newest entry's time
	Agent string    // the newest agent hook's agent, "" for none
}

// Summary sums the log up as Summarize does, decoding one entry at a time.
func (l *Log) Summary() (Summary, error) {
	sm := newSummer(l.ID)
	var out Summary
	for _, p := range []string{l.oldPath(), l.path()} {
		err := state.Read(p, func(line []byte) error {
			var e Entry
			if err := json.Unmarshal(line, &e); err != nil {
				return err
			}
			sm.add(e)
			if e.Time.After(out.Last) {
				out.Last = e.Time
			}
			if e.Agent != nil {
				out.Agent = e.Agent.Agent
			}
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	out.Stats = sm.stats()
	return out, nil
}
