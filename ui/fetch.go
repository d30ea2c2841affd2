package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/maestro-recovery/maestro/escalate"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// How often the page fetches [escalate] remote's questions and answers:
// often enough that a question asked in another clone shows within a
// minute, and no more often while the remote fails.
const (
	defaultFetchEvery = 30 * time.Second
	maxFetchEvery     = 5 * time.Minute
)

// fetchQuestions fetches the questions and answers of [escalate] remote
// (s.remote) at once, then every FetchEvery, so that the page shows a
// question asked in another clone without anyone running maestro
// questions --remote: the fetch changes refs under refs/maestro/remotes/,
// and the watcher tells the pages. While the remote fails each wait is
// twice the one before, up to maxFetchEvery; the log says the failure
// once, and once again when the remote is back.
func (s *Server) fetchQuestions(ctx context.Context) {
	if s.remote == "" {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		// Close ends a fetch under way, as the end of ctx does.
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	every := s.o.FetchEvery
	if every <= 0 {
		every = defaultFetchEvery
	}
	wait, failing := every, false
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, err := s.shared().Fetch(ctx, s.remote)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			if !failing {
				var re *escalate.RemoteError
				if errors.As(err, &re) {
					err = re.Err
				}
				fmt.Fprintf(s.o.Log, "maestro: warning: cannot fetch the questions of %s: %s (trying again, less often)\n",
					textsafe.Visible(s.remote), textsafe.Visible(strings.ReplaceAll(err.Error(), "\n", " ")))
			}
			failing = true
			wait = min(2*wait, max(maxFetchEvery, every))
		case failing:
			fmt.Fprintf(s.o.Log, "maestro: fetching the questions of %s again\n", textsafe.Visible(s.remote))
			wait, failing = every, false
		}
		t.Reset(wait)
	}
}
