package p

import "testing"

func TestBefore(t *testing.T) {}

func TestPanic(t *testing.T) {
	t.Run("sub", func(t *testing.T) { panic("boom") })
}

func TestAfter(t *testing.T) {}
