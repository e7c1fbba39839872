package table

import (
	"unicode"
	"unicode/utf8"
)

// ellipsis marks a cut cell.
const ellipsis = "…"

// width returns the number of terminal cells s takes, for escaped text
// (every character Visible): combining marks take none, East Asian wide and
// fullwidth characters and most emoji take two, the rest one.
func width(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		n += runeWidth(r)
		i += size
	}
	return n
}

func runeWidth(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me):
		return 0
	case wide(r):
		return 2
	}
	return 1
}

// wide reports whether r is in one of the main East Asian Wide or Fullwidth
// blocks, or a pictographic emoji block, which terminals draw two cells wide.
func wide(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case r <= 0x115f, // Hangul Jamo initials
		r >= 0x2e80 && r <= 0x303e, // CJK radicals, punctuation
		r >= 0x3041 && r <= 0x33ff, // kana, CJK compatibility
		r >= 0x3400 && r <= 0x4dbf, // CJK extension A
		r >= 0x4e00 && r <= 0x9fff, // CJK unified ideographs
		r >= 0xa000 && r <= 0xa4cf, // Yi
		r >= 0xac00 && r <= 0xd7a3, // Hangul syllables
		r >= 0xf900 && r <= 0xfaff, // CJK compatibility ideographs
		r >= 0xfe30 && r <= 0xfe4f, // CJK compatibility forms
		r >= 0xff00 && r <= 0xff60, // fullwidth forms
		r >= 0xffe0 && r <= 0xffe6,
		r >= 0x1f300 && r <= 0x1f64f, // pictographs, emoticons
		r >= 0x1f900 && r <= 0x1f9ff, // supplemental pictographs
		r >= 0x20000 && r <= 0x3fffd: // CJK extensions B and later
		return true
	}
	return false
}

// truncate cuts s to at most limit cells, ending with an ellipsis when it was
// cut. Cuts fall between characters, so the result stays valid UTF-8.
func truncate(s string, limit int) string {
	if width(s) <= limit {
		return s
	}
	room := limit - 1 // the ellipsis takes one cell
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		w := runeWidth(r)
		if n+w > room {
			return s[:i] + ellipsis
		}
		n += w
		i += size
	}
	return s
}
