package checkpoint

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/maestro-recovery/maestro/catalog"
	"github.com/maestro-recovery/maestro/internal/git"
	"github.com/maestro-recovery/maestro/internal/textsafe"
)

// PushRefspecs share what was made here: checkpoints, records, events and
// states, never what was fetched (refs/maestro/remotes/), so that nobody
// passes on a third party's refs as their own. They have no '+': git
// refuses to replace a ref the remote holds with another value.
func PushRefspecs() []string {
	specs := make([]string, len(kinds))
	for i, k := range kinds {
		specs[i] = RefRoot + k + "/*:" + RefRoot + k + "/*"
	}
	return specs
}

// RemotePrefix is where the refs fetched from remote are kept:
// refs/maestro/remotes/REMOTE/.
func RemotePrefix(remote string) string { return refRemotes + remote + "/" }

// FetchRefspecs mirror remote's own refs of each kind into its namespace
// here, as remote-tracking refs are: forced, since the mirror follows the
// remote, and never the remote's refs/maestro/remotes/, so that a remote
// cannot plant refs in another remote's namespace.
func FetchRefspecs(remote string) []string {
	specs := make([]string, len(kinds))
	for i, k := range kinds {
		specs[i] = "+" + RefRoot + k + "/*:" + RemotePrefix(remote) + k + "/*"
	}
	return specs
}

// checkRemote refuses a remote that is not a configured one, or whose name
// cannot be one component of a ref name (the namespace of what is fetched
// from it). A name that starts with '-' is refused here, before git could
// read it as an option.
func (s *Store) checkRemote(remote string) error {
	if err := ValidateID("remote", remote); err != nil {
		return err
	}
	names, err := s.repo.Remotes()
	if err != nil {
		return err
	}
	if !slices.Contains(names, remote) {
		return refuse([]string{"maestro shares through a configured remote: 'git remote -v' lists them, 'git remote add NAME URL' adds one"}, "no remote named %q", remote)
	}
	return nil
}

// PushOptions tune a push.
type PushOptions struct {
	DryRun bool
	// Force pushes untracked files that match NeverPush.
	Force bool
	// NeverPush are the patterns of [share] never_push.
	NeverPush []string
	// Progress gets git's progress.
	Progress io.Writer
}

// PushResult says what a push sends, or would send.
type PushResult struct {
	Remote string `json:"remote"`
	DryRun bool   `json:"dry_run"`
	// Pushed is true once git has pushed Refs.
	Pushed bool      `json:"pushed"`
	Refs   []PushRef `json:"refs"` // refs the remote does not have, or has another value of
	// Counts are the refs of Refs by kind: checkpoints, records, events,
	// states.
	Counts map[string]int `json:"counts"`
	Same   int            `json:"same"` // refs the remote has already, the same
	// Untracked are the files of the snapshots in Refs that nobody
	// committed (untracked, or only staged), which may be secrets, and
	// whose content the remote does not have.
	Untracked []UntrackedFile `json:"untracked"`
	Refused   bool            `json:"refused"` // some match NeverPush, and no --force
	Forced    bool            `json:"forced"`  // some match NeverPush, pushed anyway
}

// PushRef is one ref a push sends.
type PushRef struct {
	Ref    string `json:"ref"`
	Object string `json:"object"`
	Status string `json:"status"` // "new", or "differs": the remote holds another value, and git refuses to replace it unless it is a fast-forward
	typ    string
}

// UntrackedFile is a file inside snapshot commits that no commit of the
// user has: untracked, or only added to the index.
type UntrackedFile struct {
	Path textsafe.Path `json:"path"`
	Blob string        `json:"blob"`
	// In are the refs of the snapshots holding it, without refs/maestro/:
	// checkpoints/SESSION/ID, or states/SESSION/EVENT for the state a
	// rollback or an undo recorded.
	In []string `json:"in"`
	// Staged is true for a file added to the index but never committed:
	// the snapshot's index commit holds it.
	Staged bool `json:"staged,omitempty"`
	// NeverPush is the pattern of [share] never_push its name matches, or "".
	NeverPush string `json:"never_push,omitempty"`
}

// pushBatch bounds the refspecs of one git push, to stay far below the
// system's limit on the length of a command line.
const pushBatch = 1000

// Push sends remote the checkpoints, records, events and states made here
// that it does not have. First it asks the remote what it has (git
// ls-remote), and looks for the untracked files of the snapshots it would
// send: if one matches NeverPush, it refuses, without --force, and pushes
// nothing. The refs pushed are those checked, by value: a checkpoint made
// meanwhile is left for the next push.
func (s *Store) Push(remote string, o PushOptions) (*PushResult, error) {
	if err := s.checkRemote(remote); err != nil {
		return nil, err
	}
	res := &PushResult{Remote: remote, DryRun: o.DryRun, Refs: []PushRef{}, Counts: map[string]int{}, Untracked: []UntrackedFile{}}
	local, err := s.repo.Refs(RefRoot)
	if err != nil {
		return nil, err
	}
	advertised, err := s.repo.RemoteRefs(remote)
	if err != nil {
		return nil, err
	}
	theirs := make(map[string]string, len(advertised))
	for _, r := range advertised {
		theirs[r.Name] = r.Object
	}
	for _, r := range local {
		k, ok := parseRef(r.Name)
		if !ok || k.origin != "" || !git.IsObjectID(r.Object) {
			continue
		}
		switch v, ok := theirs[r.Name]; {
		case v == r.Object:
			res.Same++
			continue
		case ok:
			res.Refs = append(res.Refs, PushRef{Ref: r.Name, Object: r.Object, Status: "differs", typ: r.Type})
		default:
			res.Refs = append(res.Refs, PushRef{Ref: r.Name, Object: r.Object, Status: "new", typ: r.Type})
		}
		res.Counts[k.kind]++
	}
	if res.Untracked, err = s.untracked(res.Refs, advertised); err != nil {
		return nil, err
	}
	var secrets []UntrackedFile
	for i, f := range res.Untracked {
		if res.Untracked[i].NeverPush = catalog.NeverPushMatch(o.NeverPush, string(f.Path)); res.Untracked[i].NeverPush != "" {
			secrets = append(secrets, res.Untracked[i])
		}
	}
	if len(secrets) > 0 && !o.Force {
		res.Refused = true
		return res, neverPushRefusal(remote, secrets)
	}
	res.Forced = len(secrets) > 0
	if o.DryRun || len(res.Refs) == 0 {
		return res, nil
	}
	for batch := range slices.Chunk(res.Refs, pushBatch) {
		specs := make([]string, len(batch))
		for i, r := range batch {
			specs[i] = r.Object + ":" + r.Ref
		}
		if err := s.repo.Push(remote, specs, o.Progress); err != nil {
			return res, err
		}
	}
	res.Pushed = true
	return res, nil
}

func neverPushRefusal(remote string, secrets []UntrackedFile) *Error {
	var names, refs []string
	for _, f := range secrets {
		names = append(names, fmt.Sprintf("%s (%s, in %s)", textsafe.Visible(string(f.Path)), f.NeverPush, strings.Join(f.In, ", ")))
		for _, in := range f.In {
			held := []string{RefRoot + in}
			// A checkpoint's record would otherwise be pushed alone at the
			// next push, a record of nothing on the remote.
			if rest, ok := strings.CutPrefix(RefRoot+in, refCheckpoints); ok {
				held = append(held, refRecords+rest)
			}
			for _, r := range held {
				if !slices.Contains(refs, r) {
					refs = append(refs, r)
				}
			}
		}
	}
	files := "file matches"
	if len(secrets) > 1 {
		files = "files match"
	}
	return refuse([]string{
		"nobody committed these files, and their names are those of secrets: maestro push --force sends them anyway",
		"to keep them here, delete the refs holding them, then push: git update-ref -d REF, for each of " + strings.Join(refs, " "),
		"maestro push --dry-run lists what a push sends; [share] never_push in recovery.toml adds patterns",
	}, "refusing to push to %s: %d untracked %s [share] never_push: %s", remote, len(secrets), files, strings.Join(names, "; "))
}

// untracked finds the snapshot commits among refs (checkpoints of a dirty
// tree, and the states rollbacks and undos recorded) and lists the files
// each holds that its HEAD did not: untracked ones, and those added to the
// index but never committed (the index commit is pushed too), whose
// content the remote does not have: not in any commit or tree it
// advertises, a snapshot it has among them. A few git processes, whatever
// the number of snapshots.
func (s *Store) untracked(refs []PushRef, advertised []git.Ref) ([]UntrackedFile, error) {
	var tips []string
	holders := map[string][]string{}
	for _, r := range refs {
		kind, _, _ := strings.Cut(strings.TrimPrefix(r.Ref, RefRoot), "/")
		if (kind == "checkpoints" || kind == "states") && r.typ == "commit" {
			if holders[r.Object] == nil {
				tips = append(tips, r.Object)
			}
			holders[r.Object] = append(holders[r.Object], strings.TrimPrefix(r.Ref, RefRoot))
		}
	}
	snaps, err := s.snapshots(tips)
	if err != nil || len(snaps) == 0 {
		return []UntrackedFile{}, err
	}
	// Two pairs a snapshot: HEAD to the working tree, HEAD to the index.
	pairs := make([][2]string, 0, 2*len(snaps))
	commits := make([]string, len(snaps))
	for i, sn := range snaps {
		pairs = append(pairs, [2]string{sn.headTree, sn.tree}, [2]string{sn.headTree, sn.indexTree})
		commits[i] = sn.commit
	}
	added, err := s.repo.AddedFiles(pairs)
	if err != nil {
		return nil, err
	}
	exclude, err := s.remoteHas(advertised)
	if err != nil {
		return nil, err
	}
	sending, err := s.repo.NewObjects(commits, exclude)
	if err != nil {
		return nil, err
	}
	type key struct{ path, blob string }
	byKey := map[key]*UntrackedFile{}
	last := map[key]int{}
	var files []*UntrackedFile
	for i, sn := range snaps {
		staged := map[string]bool{}
		for _, c := range added[2*i+1] {
			staged[c.Path] = true
		}
		for _, c := range slices.Concat(added[2*i], added[2*i+1]) {
			if c.Mode == "160000" || !sending[c.SHA] { // a nested repository's commit is not content
				continue
			}
			k := key{c.Path, c.SHA}
			f := byKey[k]
			if f == nil {
				f = &UntrackedFile{Path: textsafe.Path(c.Path), Blob: c.SHA, Staged: staged[c.Path]}
				byKey[k] = f
				files = append(files, f)
			} else if n, ok := last[k]; ok && n == i {
				continue
			}
			last[k] = i
			f.In = append(f.In, holders[sn.commit]...)
		}
	}
	out := make([]UntrackedFile, len(files))
	for i, f := range files {
		slices.Sort(f.In)
		out[i] = *f
	}
	slices.SortFunc(out, func(a, b UntrackedFile) int {
		return cmp.Or(strings.Compare(string(a.Path), string(b.Path)), strings.Compare(a.Blob, b.Blob))
	})
	return out, nil
}

type snapshotCommit struct{ commit, tree, indexTree, headTree string }

// snapshots picks, among commits, those maestro made of a dirty tree: two
// parents, the second a commit of the index ("maestro: index") whose only
// parent is the first. Any other commit (HEAD, a merge) is the user's.
func (s *Store) snapshots(commits []string) ([]snapshotCommit, error) {
	cs, err := s.repo.Commits(commits...)
	if err != nil {
		return nil, err
	}
	var two []*git.Commit
	var parents []string
	for _, c := range cs {
		if len(c.Parents) == 2 && git.IsObjectID(c.Parents[0]) && git.IsObjectID(c.Parents[1]) {
			two = append(two, c)
			parents = append(parents, c.Parents...)
		}
	}
	// A merge's parents may be missing, in a shallow clone.
	types, err := s.repo.ObjectTypes(parents)
	if err != nil {
		return nil, err
	}
	var mine []*git.Commit
	parents = parents[:0]
	for _, c := range two {
		if types[c.Parents[0]] == "commit" && types[c.Parents[1]] == "commit" {
			mine = append(mine, c)
			parents = append(parents, c.Parents...)
		}
	}
	ps, err := s.repo.Commits(parents...)
	if err != nil {
		return nil, err
	}
	var out []snapshotCommit
	for i, c := range mine {
		head, ic := ps[2*i], ps[2*i+1]
		if ic.Subject() == "maestro: index" && len(ic.Parents) == 1 && ic.Parents[0] == c.Parents[0] {
			out = append(out, snapshotCommit{commit: c.SHA, tree: c.Tree, indexTree: ic.Tree, headTree: head.Tree})
		}
	}
	return out, nil
}

// remoteHas lists what of the remote's refs is here: the commits, and
// their trees, for a file in a snapshot the remote has is not news to it
// even when the snapshot is no ancestor of the one pushed.
func (s *Store) remoteHas(advertised []git.Ref) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, r := range advertised {
		if !seen[r.Object] {
			seen[r.Object] = true
			ids = append(ids, r.Object)
		}
	}
	types, err := s.repo.ObjectTypes(ids)
	if err != nil {
		return nil, err
	}
	var commits, exclude []string
	for _, id := range ids {
		switch types[id] {
		case "commit":
			commits = append(commits, id)
		case "tree", "blob":
			exclude = append(exclude, id)
		}
	}
	cs, err := s.repo.Commits(commits...)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		exclude = append(exclude, c.SHA)
		if git.IsObjectID(c.Tree) {
			exclude = append(exclude, c.Tree)
		}
	}
	return exclude, nil
}

// FetchResult says what a fetch brought.
type FetchResult struct {
	Remote   string   `json:"remote"`
	Into     string   `json:"into"`     // where they are kept: refs/maestro/remotes/REMOTE/
	Added    int      `json:"added"`    // refs new here
	Updated  int      `json:"updated"`  // refs whose value the remote changed
	Same     int      `json:"same"`     // refs that were here already, the same
	Refspecs []string `json:"refspecs"` // what was fetched
}

// Fetch gets remote's checkpoints, records and events into
// refs/maestro/remotes/REMOTE/, apart from those made here: they are
// listed with their origin and never chosen by default (see Catalog).
func (s *Store) Fetch(remote string, progress io.Writer) (*FetchResult, error) {
	if err := s.checkRemote(remote); err != nil {
		return nil, err
	}
	res := &FetchResult{Remote: remote, Into: RemotePrefix(remote), Refspecs: FetchRefspecs(remote)}
	before, err := s.refValues(res.Into)
	if err != nil {
		return nil, err
	}
	if err := s.repo.Fetch(remote, res.Refspecs, progress); err != nil {
		return nil, err
	}
	after, err := s.refValues(res.Into)
	if err != nil {
		return nil, err
	}
	for name, v := range after {
		switch old, ok := before[name]; {
		case !ok:
			res.Added++
		case old != v:
			res.Updated++
		default:
			res.Same++
		}
	}
	if err := s.recordFetch(res, before, after); err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Store) refValues(prefix string) (map[string]string, error) {
	refs, err := s.repo.Refs(prefix)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(refs))
	for _, r := range refs {
		m[r.Name] = r.Object
	}
	return m, nil
}
