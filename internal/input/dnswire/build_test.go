package dnswire

import (
	"encoding/binary"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// msgSpec describes a message built with dnsmessage.Builder for tests.
type msgSpec struct {
	id       uint16
	response bool
	rcode    dnsmessage.RCode
	qname    string
	qtype    dnsmessage.Type
	answers  []dnsmessage.Resource
	auth     []dnsmessage.Resource
	extra    []dnsmessage.Resource
}

func build(t testing.TB, s msgSpec) []byte {
	t.Helper()
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{
		ID: s.id, Response: s.response, RecursionDesired: true,
		RecursionAvailable: s.response, RCode: s.rcode,
	})
	b.EnableCompression()
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("build: %v", err)
		}
	}
	check(b.StartQuestions())
	if s.qname != "" {
		check(b.Question(dnsmessage.Question{Name: mustName(t, s.qname), Type: s.qtype, Class: dnsmessage.ClassINET}))
	}
	check(b.StartAnswers())
	for _, r := range s.answers {
		check(addResource(&b, r))
	}
	check(b.StartAuthorities())
	for _, r := range s.auth {
		check(addResource(&b, r))
	}
	check(b.StartAdditionals())
	for _, r := range s.extra {
		check(addResource(&b, r))
	}
	msg, err := b.Finish()
	check(err)
	return msg
}

func addResource(b *dnsmessage.Builder, r dnsmessage.Resource) error {
	switch body := r.Body.(type) {
	case *dnsmessage.AResource:
		return b.AResource(r.Header, *body)
	case *dnsmessage.AAAAResource:
		return b.AAAAResource(r.Header, *body)
	case *dnsmessage.CNAMEResource:
		return b.CNAMEResource(r.Header, *body)
	case *dnsmessage.NSResource:
		return b.NSResource(r.Header, *body)
	case *dnsmessage.PTRResource:
		return b.PTRResource(r.Header, *body)
	case *dnsmessage.MXResource:
		return b.MXResource(r.Header, *body)
	case *dnsmessage.SOAResource:
		return b.SOAResource(r.Header, *body)
	case *dnsmessage.SRVResource:
		return b.SRVResource(r.Header, *body)
	case *dnsmessage.TXTResource:
		return b.TXTResource(r.Header, *body)
	case *dnsmessage.OPTResource:
		return b.OPTResource(r.Header, *body)
	default:
		return b.UnknownResource(r.Header, *body.(*dnsmessage.UnknownResource))
	}
}

func mustName(t testing.TB, s string) dnsmessage.Name {
	t.Helper()
	n, err := dnsmessage.NewName(s)
	if err != nil {
		t.Fatalf("name %q: %v", s, err)
	}
	return n
}

func rr(t testing.TB, name string, ttl uint32, body dnsmessage.ResourceBody) dnsmessage.Resource {
	var typ dnsmessage.Type
	switch b := body.(type) {
	case *dnsmessage.UnknownResource:
		typ = b.Type
	default:
		typ = typeOf(body)
	}
	return dnsmessage.Resource{
		Header: dnsmessage.ResourceHeader{Name: mustName(t, name), Type: typ, Class: dnsmessage.ClassINET, TTL: ttl},
		Body:   body,
	}
}

func typeOf(body dnsmessage.ResourceBody) dnsmessage.Type {
	switch body.(type) {
	case *dnsmessage.AResource:
		return dnsmessage.TypeA
	case *dnsmessage.AAAAResource:
		return dnsmessage.TypeAAAA
	case *dnsmessage.CNAMEResource:
		return dnsmessage.TypeCNAME
	case *dnsmessage.NSResource:
		return dnsmessage.TypeNS
	case *dnsmessage.PTRResource:
		return dnsmessage.TypePTR
	case *dnsmessage.MXResource:
		return dnsmessage.TypeMX
	case *dnsmessage.SOAResource:
		return dnsmessage.TypeSOA
	case *dnsmessage.SRVResource:
		return dnsmessage.TypeSRV
	case *dnsmessage.TXTResource:
		return dnsmessage.TypeTXT
	}
	return dnsmessage.TypeOPT
}

// rawLabels encodes labels as an uncompressed wire name, allowing any byte.
func rawLabels(labels ...string) []byte {
	var b []byte
	for _, l := range labels {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	return append(b, 0)
}

// rawMessage builds a message by hand: a header, one question with the given
// wire name, and answer records given as already encoded bytes.
func rawMessage(id uint16, flags uint16, qname []byte, qtype uint16, answers ...[]byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, id)
	b = binary.BigEndian.AppendUint16(b, flags)
	b = binary.BigEndian.AppendUint16(b, 1)
	b = binary.BigEndian.AppendUint16(b, uint16(len(answers)))
	b = append(b, 0, 0, 0, 0)
	b = append(b, qname...)
	b = binary.BigEndian.AppendUint16(b, qtype)
	b = binary.BigEndian.AppendUint16(b, 1)
	for _, a := range answers {
		b = append(b, a...)
	}
	return b
}

// rawRR encodes one record with an uncompressed owner name.
func rawRR(name []byte, typ uint16, ttl uint32, rdata []byte) []byte {
	b := append([]byte(nil), name...)
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, 1)
	b = binary.BigEndian.AppendUint32(b, ttl)
	b = binary.BigEndian.AppendUint16(b, uint16(len(rdata)))
	return append(b, rdata...)
}
