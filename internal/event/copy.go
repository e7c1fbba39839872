package event

import "unsafe"

// CopyTo makes dst a deep copy of ev whose strings live in arena, so dst stays
// valid after the decoder that filled ev moves on. The arena is reset first
// and returned (grown if needed) for reuse with the same dst; slices in dst
// keep their capacity. Source.Name is shared, not copied: it names the input
// and lives as long as the run. With a warmed-up arena and dst, CopyTo does
// not allocate.
func (ev *Event) CopyTo(dst *Event, arena []byte) []byte {
	an, au, ad := dst.DNS.Answers[:0], dst.DNS.Authority[:0], dst.DNS.Additional[:0]
	*dst = *ev
	a := arena[:0]
	a, dst.DNS.QName = keep(a, ev.DNS.QName)
	dst.DNS.Answers, a = copyRRs(an, ev.DNS.Answers, a)
	dst.DNS.Authority, a = copyRRs(au, ev.DNS.Authority, a)
	dst.DNS.Additional, a = copyRRs(ad, ev.DNS.Additional, a)
	a, dst.Conn.Service = keep(a, ev.Conn.Service)
	a, dst.Conn.State = keep(a, ev.Conn.State)
	a, dst.Registry.Op = keep(a, ev.Registry.Op)
	a, dst.Registry.Key = keep(a, ev.Registry.Key)
	a, dst.Registry.ValueName = keep(a, ev.Registry.ValueName)
	a, dst.Registry.Data = keep(a, ev.Registry.Data)
	a, dst.Host.Name = keep(a, ev.Host.Name)
	a, dst.Host.ID = keep(a, ev.Host.ID)
	a, dst.Host.User = keep(a, ev.Host.User)
	a, dst.Process.Image = keep(a, ev.Process.Image)
	a, dst.Process.CommandLine = keep(a, ev.Process.CommandLine)
	a, dst.Process.ParentImage = keep(a, ev.Process.ParentImage)
	a, dst.Process.User = keep(a, ev.Process.User)
	a, dst.Enrich.Domain = keep(a, ev.Enrich.Domain)
	a, dst.Enrich.Suffix = keep(a, ev.Enrich.Suffix)
	return a
}

func copyRRs(dst, src []RR, a []byte) ([]RR, []byte) {
	dst = append(dst, src...)
	for i := range dst {
		a, dst[i].Name = keep(a, src[i].Name)
		a, dst[i].Data = keep(a, src[i].Data)
	}
	return dst, a
}

// keep appends s to the arena and returns a string over the copy. When the
// arena grows, strings made earlier keep pointing at the old array, which
// stays alive through them.
func keep(a []byte, s string) ([]byte, string) {
	if s == "" {
		return a, ""
	}
	start := len(a)
	a = append(a, s...)
	return a, unsafe.String(&a[start], len(s))
}
