package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/pipeline"
	"github.com/dnsvigil/dnsvigil/internal/sink"
)

// output is where alerts go. With --output they are written to a temporary
// file beside the target, renamed over it only when the scan succeeds, so a
// failed run never destroys the previous result.
type output struct {
	w      io.Writer
	tmp    *os.File
	target string
	done   bool
}

// openOutput prepares --output (or standard output when name is empty). A
// target that is one of the inputs is refused.
func openOutput(name string, stdout io.Writer, inputs []pipeline.Path) (*output, error) {
	if name == "" {
		return &output{w: stdout}, nil
	}
	if info, err := os.Stat(name); err == nil {
		for _, p := range inputs {
			if in, err := os.Stat(p.Name); err == nil && p.Name != "-" && os.SameFile(info, in) {
				return nil, fmt.Errorf("--output %s is also an input", name)
			}
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("--output: %w", err)
	}
	return &output{w: tmp, tmp: tmp, target: name}, nil
}

// commit closes the temporary file and moves it over the target.
func (o *output) commit() error {
	if o.tmp == nil {
		return nil
	}
	o.done = true
	if err := o.tmp.Close(); err != nil {
		os.Remove(o.tmp.Name())
		return fmt.Errorf("--output: %w", err)
	}
	if err := os.Rename(o.tmp.Name(), o.target); err != nil {
		os.Remove(o.tmp.Name())
		return fmt.Errorf("--output: %w", err)
	}
	return nil
}

// abort removes the temporary file of a run that did not commit.
func (o *output) abort() {
	if o.tmp != nil && !o.done {
		o.tmp.Close()
		os.Remove(o.tmp.Name())
	}
}

// countingSink counts the alerts that reach the output, by rule, and passes
// them on.
type countingSink struct {
	next   sink.Sink
	byRule map[string]int64
}

func (c *countingSink) Write(a *alert.Alert) error {
	c.byRule[a.RuleID]++
	return c.next.Write(a)
}

func (c *countingSink) Close() error { return c.next.Close() }

// notAnInput refuses a file the command writes (flag names it) when it is
// also one of the inputs.
func notAnInput(flag, name string, inputs []pipeline.Path) error {
	info, err := os.Stat(name)
	if err != nil {
		return nil // not there yet: it cannot be an input
	}
	for _, p := range inputs {
		if in, err := os.Stat(p.Name); err == nil && p.Name != "-" && os.SameFile(info, in) {
			return fmt.Errorf("%s %s is also an input", flag, name)
		}
	}
	return nil
}
