package dnsname

import "iter"

// The functions in this file walk the labels of a canonical name by byte
// offset without allocating. A label boundary is a dot that is not escaped:
// in `a\.b.example` the first label is `a\.b`. A dot is escaped when an odd
// number of backslashes precede it (`\\.` is an escaped backslash followed by
// a boundary). `\DDD` escapes never produce a raw dot, so they need no special
// case. The root "." and the empty string have no labels.

// isRoot reports whether name has no labels.
func isRoot(name string) bool { return name == "" || name == "." }

// PrevLabel returns the label of name that ends at byte offset end (exclusive)
// and the offset to pass to get the label before it (the offset of the dot
// that separates them, or -1 after the leftmost label). Start with
// end = len(name); ok is false when no label is left. A label is returned in
// its escaped canonical form, as a substring of name.
//
//	for end := len(name); ; {
//		label, next, ok := dnsname.PrevLabel(name, end)
//		if !ok {
//			break
//		}
//		end = next
//	}
func PrevLabel(name string, end int) (label string, next int, ok bool) {
	if end < 0 || end > len(name) || isRoot(name) {
		return "", -1, false
	}
	start := labelStart(name, end)
	return name[start:end], start - 1, true
}

// labelStart returns the offset where the label ending at end begins.
func labelStart(name string, end int) int {
	for i := end - 1; i >= 0; i-- {
		if name[i] == '.' && !escapedAt(name, i) {
			return i + 1
		}
	}
	return 0
}

// ReverseLabels iterates over the labels of name from the rightmost (the top
// level) to the leftmost, yielding each label's start offset and the label.
func ReverseLabels(name string) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		for end := len(name); ; {
			label, next, ok := PrevLabel(name, end)
			if !ok || !yield(end-len(label), label) {
				return
			}
			end = next
		}
	}
}

// CountLabels returns the number of labels in a canonical name: 0 for the
// root "." and the empty string, 3 for "www.example.com", 2 for `a\.b.test`.
func CountLabels(name string) int {
	if isRoot(name) {
		return 0
	}
	n := 1
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '\\':
			i++ // the next byte is escaped, whatever it is
		case '.':
			n++
		}
	}
	return n
}

// LastLabels returns the rightmost n labels of name as a substring of it:
// LastLabels("a.b.example.com", 2) is "example.com". It returns the whole
// name when name has n labels or fewer, and "" when n <= 0 or name is the
// root.
func LastLabels(name string, n int) string {
	if n <= 0 || isRoot(name) {
		return ""
	}
	return name[LastLabelsOffset(name, n):]
}

// LastLabelsOffset returns the byte offset where the rightmost n labels of
// name begin (0 when name has n labels or fewer, len(name) when n <= 0).
func LastLabelsOffset(name string, n int) int {
	if n <= 0 || isRoot(name) {
		return len(name)
	}
	start := len(name)
	for end := len(name); n > 0 && end >= 0; n-- {
		start = labelStart(name, end)
		end = start - 1
	}
	return start
}

// Parent returns name without its first label ("" for a one-label name or
// the root), honouring escapes: a "\." inside a label does not end it.
func Parent(name string) string {
	for i := 0; i < len(name); i++ {
		if name[i] == '\\' {
			i++
			continue
		}
		if name[i] == '.' {
			return name[i+1:]
		}
	}
	return ""
}
