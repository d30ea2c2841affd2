package builtin

import (
	"bytes"
	"os"
	"testing"
)

func TestSameAsRecoveryTOML(t *testing.T) {
	src, err := os.ReadFile("../../recovery.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, RecoveryTOML) {
		t.Error("internal/builtin/recovery_toml.go is stale: run 'go generate ./...' (recovery.toml changed)")
	}
}
