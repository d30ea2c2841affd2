package textsafe

import "strings"

// ShellQuote quotes s for a POSIX shell when it needs it: a word a person
// can paste back (a path in a hint, a command in a listing) and get s.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ShellJoin is a command line a POSIX shell reads back as args.
func ShellJoin(args []string) string {
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = ShellQuote(a)
	}
	return strings.Join(words, " ")
}
