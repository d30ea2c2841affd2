package escalate

import (
	"time"

	"github.com/maestro-recovery/maestro/notify"
)

// NotifyAsked tells n that q was put to a person: on a terminal until
// deadline (zero: none), or recorded for maestro answer, pushed to remote
// when not "".
func NotifyAsked(n *notify.Notifier, q *Question, deadline time.Time, remote string) {
	if !n.Wants(notify.QuestionAsked) {
		return
	}
	nq := &notify.Question{ID: q.ID, Issue: q.Issue, Options: append([]string(nil), q.Options...), Default: q.Default,
		RequireJustification: q.RequireJustification, Answer: "maestro answer " + q.ID + " OPTION", Remote: remote}
	if !deadline.IsZero() {
		d := deadline.UTC().Truncate(time.Second)
		nq.Deadline = &d
		if !q.AskedAt.IsZero() {
			nq.TimeoutSeconds = deadline.Sub(q.AskedAt).Round(time.Millisecond).Seconds()
		}
	}
	n.Send(&notify.Event{Event: notify.QuestionAsked, SessionID: q.SessionID, Question: nq})
}
