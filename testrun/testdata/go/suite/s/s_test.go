package s

import "testing"

func TestS(t *testing.T) {}
