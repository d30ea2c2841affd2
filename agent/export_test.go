package agent

import "github.com/maestro-recovery/maestro/checkpoint"

func checkpointValidateID(s string) error { return checkpoint.ValidateID("session id", s) }
