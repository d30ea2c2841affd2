package escalate

import (
	"context"
	"time"
)

// DeferOptions say what Shared.Defer does around recording a question.
type DeferOptions struct {
	// NewID names a new question.
	NewID func() string
	// Deadline is when the asker stops waiting, told in the notification
	// (zero: it does not wait).
	Deadline time.Time
	// Asked is called once for a new question, before anyone is told of
	// it: the session log's entry. A question asked again is there
	// already.
	Asked func(q *Question)
	// Unpushed is told why q is not on its remote; the question is
	// recorded all the same, and Wait pushes it again.
	Unpushed func(q *Question, err error)
	// Waiting says the caller waits for the answer next, with Wait, which
	// pushes the question at its first look: pushing it here too would
	// say one unreachable remote twice.
	Waiting bool
}

// Defer records q for later, as Store.Defer does, the same way for every
// face that asks (maestro ask, maestro run, the MCP server): it records
// q, logs it (o.Asked), tells the Store's Notifier, and pushes it to
// q.Remote when it has one. An open question asked again keeps the id and
// the remote it was asked with (q is updated), and is pushed again in
// case its first push failed. The question is recorded whatever the
// remote does.
func (s *Shared) Defer(ctx context.Context, q *Question, o DeferOptions) (id string, existing bool, err error) {
	id, existing, err = s.Store.deferQuestion(q, o.NewID)
	if err != nil {
		return "", false, err
	}
	q.ID = id
	stored := q
	if existing {
		// As it was first asked: that is what the remote has, or gets.
		if stored, _, err = s.Store.Get(id); err != nil {
			return "", false, err
		}
		q.Remote = stored.Remote
	} else if o.Asked != nil {
		o.Asked(q)
	}
	var pushErr error
	if q.Remote != "" && !o.Waiting {
		// Bounded well below a git process's own bound: a deferred
		// question is how an unattended run goes on, and a remote that
		// hangs must not hold it (ask --wait tries the push again).
		pctx, cancel := context.WithTimeout(ctx, deferPushTimeout)
		pushErr = s.PushQuestion(pctx, stored)
		cancel()
		if pushErr != nil && o.Unpushed != nil {
			o.Unpushed(stored, pushErr)
		}
	}
	if !existing {
		// After the push, so that whoever is told finds the question on
		// the remote.
		remote := q.Remote
		if pushErr != nil {
			remote = ""
		}
		NotifyAsked(s.Store.Notifier, q, o.Deadline, remote)
	}
	return id, existing, nil
}
