package table

import "github.com/dnsvigil/dnsvigil/internal/alert"

// ANSI select-graphic-rendition sequences for the severity cell.
const (
	colorReset    = "\x1b[0m"
	colorCritical = "\x1b[1;31m" // bold red
	colorHigh     = "\x1b[31m"   // red
	colorMedium   = "\x1b[33m"   // yellow
	colorLow      = "\x1b[36m"   // cyan
	colorInfo     = "\x1b[2m"    // dim
)

func severityColor(s alert.Severity) string {
	switch s {
	case alert.SeverityCritical:
		return colorCritical
	case alert.SeverityHigh:
		return colorHigh
	case alert.SeverityMedium:
		return colorMedium
	case alert.SeverityLow:
		return colorLow
	}
	return colorInfo
}
