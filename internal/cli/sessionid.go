package cli

import (
	"os"

	ucli "github.com/urfave/cli/v2"
)

// sessionFlag is --session-id: the flag, else $MAESTRO_SESSION_ID (when
// not empty), else "default".
func sessionFlag() *ucli.StringFlag {
	return &ucli.StringFlag{Name: "session-id", Usage: "the session (default: $MAESTRO_SESSION_ID, else \"default\")"}
}

func sessionID(c *ucli.Context) string {
	return sessionOr(c.String("session-id"), c.IsSet("session-id"))
}

// sessionOr is the session a command works in: flag when it was given,
// else $MAESTRO_SESSION_ID, else "default".
func sessionOr(flag string, given bool) string {
	if given {
		return flag
	}
	if s := os.Getenv("MAESTRO_SESSION_ID"); s != "" {
		return s
	}
	return "default"
}
