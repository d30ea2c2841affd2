package git

import "errors"

// IsAncestor reports whether commit a is an ancestor of commit b, or b
// itself.
func (r *Repo) IsAncestor(a, b string) (bool, error) {
	_, err := r.read(nil, "merge-base", "--is-ancestor", a, b)
	var ge *Error
	if errors.As(err, &ge) && ge.ExitCode == 1 {
		return false, nil
	}
	return err == nil, err
}
