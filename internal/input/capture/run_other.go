//go:build !linux

package capture

import (
	"context"
	"errors"
	"fmt"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

// errNotLinux is returned by Run where AF_PACKET does not exist.
var errNotLinux = errors.New("live capture needs Linux (AF_PACKET)")

// Run fails: live capture is implemented for Linux only.
func (s *Source) Run(ctx context.Context, out input.Out) error {
	return fmt.Errorf("capture %s: %w", s.cfg.Interface, errNotLinux)
}
