package checkpoint

// ChangeWord names the status of a change Diff lists (git's letter) as the
// JSON of maestro diff and of the MCP server's diff_checkpoint say it.
func ChangeWord(status string) string {
	switch status {
	case "A":
		return "added"
	case "D":
		return "deleted"
	case "T":
		return "type_changed"
	}
	return "modified"
}
