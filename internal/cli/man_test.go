package cli

import "testing"

func TestRoffLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{".TH evil", `\&.TH evil`},
		{"'br", `\&'br`},
		{`C:\new --flag`, `C:\enew \-\-flag`},
		{"plain text", "plain text"},
	} {
		if got := roffLine(tc.in); got != tc.want {
			t.Errorf("roffLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
