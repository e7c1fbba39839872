//go:build !unix

package follow

import "os"

// fileID returns zeros where the platform gives no inode numbers: a
// rotation by rename is then noticed from the fingerprint alone.
func fileID(os.FileInfo) (dev, ino uint64) { return 0, 0 }

// unlinked is not known on this platform.
func unlinked(os.FileInfo) bool { return false }
