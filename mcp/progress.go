package mcp

import (
	"context"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// progressEvery is how often a long call tells a client that asked for
// progress that it is still at work: a client may give up on a call it
// hears nothing of, or reset its timeout on each notification.
var progressEvery = 5 * time.Second

// keepPosted sends progress notifications for the call until the
// returned stop is called, each with what say returns, when the client
// gave the call a progress token.
func keepPosted(ctx context.Context, req *sdk.CallToolRequest, say func() string) (stop func()) {
	token := req.Params.GetProgressToken()
	if token == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for n := 1; ; n++ {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				// A client that is gone costs the notification, not the call.
				_ = req.Session.NotifyProgress(ctx, &sdk.ProgressNotificationParams{ProgressToken: token, Progress: float64(n), Message: say()})
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
