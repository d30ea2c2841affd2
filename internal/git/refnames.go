package git

import "strings"

// RefNames lists the refs matching any of patterns with their object
// names only: for-each-ref then reads the refs and no object, where the
// type and size (RefsMatching) open every loose object the refs point to.
// Type and Size are left empty.
func (r *Repo) RefNames(patterns ...string) ([]Ref, error) {
	args := append([]string{"for-each-ref", "--format=%(objectname) %(refname)", "--end-of-options"}, patterns...)
	out, err := r.read(nil, args...)
	if err != nil {
		return nil, err
	}
	var refs []Ref
	for line := range strings.SplitSeq(string(out), "\n") {
		if sha, name, ok := strings.Cut(line, " "); ok {
			refs = append(refs, Ref{Object: sha, Name: name})
		}
	}
	return refs, nil
}
