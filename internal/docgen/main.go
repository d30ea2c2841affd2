// Command docgen regenerates the reference tables of README.md and the
// pages under docs/ from maestro's command definitions (see
// internal/cli/reference.go). Run it from the repository's root, as
// go generate does: go generate ./... or go run ./internal/docgen.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/maestro-recovery/maestro/internal/cli"
	"github.com/maestro-recovery/maestro/internal/doctest"
)

func main() {
	pages, err := filepath.Glob("docs/*.md")
	if err == nil {
		pages = append([]string{"README.md"}, pages...)
		err = update(pages)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "docgen: error: %v\n", err)
		os.Exit(1)
	}
}

func update(pages []string) error {
	contents := map[string][]byte{}
	for _, page := range pages {
		src, err := os.ReadFile(page)
		if err != nil {
			return err
		}
		contents[page] = src
	}
	for _, page := range pages {
		old := contents[page]
		links := doctest.FlagTableLinks(contents, page)
		updated, err := doctest.Regenerate(old, func(kind string, args []string) (string, error) {
			return cli.ReferenceTable(kind, args, links)
		})
		if err != nil {
			return fmt.Errorf("%s: %w", page, err)
		}
		if bytes.Equal(old, updated) {
			continue
		}
		info, err := os.Stat(page)
		if err != nil {
			return err
		}
		if err := os.WriteFile(page, updated, info.Mode().Perm()); err != nil {
			return err
		}
		fmt.Println("updated", page)
	}
	return nil
}
