package defender

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unsafe"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// table is the Advanced Hunting table a row belongs to, as far as the
// decoder maps it.
type table uint8

const (
	tOther table = iota
	tNetwork
	tRegistry
	tDNS
	tProcess
)

// row holds the values of the known columns of one record. Values alias the
// decoder's buffers (or encoding/csv's record string) and live until the
// next row is read.
type row struct {
	v [nCols]string
}

// tableOf decides the table of r: from a table column when the export has
// one, else from which columns are filled.
func tableOf(r *row) table {
	if t := r.v[cTable]; t != "" {
		t = strings.TrimPrefix(t, "AdvancedHunting-")
		switch t {
		case "DeviceNetworkEvents":
			return tNetwork
		case "DeviceRegistryEvents":
			return tRegistry
		case "DeviceProcessEvents":
			return tProcess
		case "DeviceEvents":
			if r.v[cActionType] == "DnsQueryResponse" {
				return tDNS
			}
		}
		return tOther
	}
	switch {
	case r.v[cActionType] == "DnsQueryResponse" && r.v[cAdditionalFields] != "":
		return tDNS
	case r.v[cRegistryKey] != "":
		return tRegistry
	case r.v[cRemoteIP] != "" && r.v[cRemotePort] != "":
		return tNetwork
	case r.v[cProcessCommandLine] != "":
		return tProcess
	}
	return tOther
}

// fieldError is one bad value: the reason category and the column.
type fieldError struct {
	reason string
	err    error
}

func badField(reason string, c col, v string) *fieldError {
	if len(v) > 64 {
		v = v[:64]
	}
	return &fieldError{reason: reason, err: fmt.Errorf("column %s: %q", colName(c), v)}
}

// colName returns the export name of c for messages.
func colName(c col) string {
	names := [...]string{
		"Timestamp", "DeviceId", "DeviceName", "ActionType", "LocalIP", "LocalPort",
		"RemoteIP", "RemotePort", "Protocol", "FileName", "FolderPath", "ProcessId",
		"ProcessCommandLine", "AccountDomain", "AccountName", "RegistryKey",
		"RegistryValueName", "RegistryValueData", "PreviousRegistryValueData",
		"AdditionalFields", "InitiatingProcessFileName", "InitiatingProcessFolderPath",
		"InitiatingProcessId", "InitiatingProcessCommandLine",
		"InitiatingProcessAccountDomain", "InitiatingProcessAccountName",
		"InitiatingProcessParentFileName", "TableName",
	}
	if int(c) < len(names) {
		return names[c]
	}
	return "?"
}

// fill maps r, of table t, into ev. Strings it builds (paths, users, names)
// are appended to d.strs.
func (d *Decoder) fill(ev *event.Event, r *row, t table) *fieldError {
	ts, ok := parseTime(r.v[cTimestamp])
	// The zero time (1/1/0001 0:00:00) is no event time either.
	if !ok || ts.IsZero() {
		if r.v[cTimestamp] == "" {
			return &fieldError{reason: "missing timestamp"}
		}
		return badField("bad timestamp", cTimestamp, r.v[cTimestamp])
	}
	ev.Time = ts
	ev.Host.Name = r.v[cDeviceName]
	ev.Host.ID = r.v[cDeviceID]
	if t != tProcess {
		if fe := d.initiating(&ev.Process, r); fe != nil {
			return fe
		}
	}
	switch t {
	case tNetwork:
		return d.network(ev, r)
	case tRegistry:
		return d.registry(ev, r)
	case tDNS:
		return d.dns(ev, r)
	case tProcess:
		return d.process(ev, r)
	}
	return nil
}

// initiating fills p from the InitiatingProcess* columns.
func (d *Decoder) initiating(p *event.Process, r *row) *fieldError {
	pid, fe := parseInt(r, cIPID)
	if fe != nil {
		return fe
	}
	p.PID = pid
	p.Image = d.image(r.v[cIPFolderPath], r.v[cIPFileName])
	p.CommandLine = r.v[cIPCommandLine]
	p.ParentImage = r.v[cIPParentFileName]
	p.User = d.user(r.v[cIPAccountDomain], r.v[cIPAccountName])
	return nil
}

func (d *Decoder) network(ev *event.Event, r *row) *fieldError {
	local, fe := addrPort(r, cLocalIP, cLocalPort)
	if fe != nil {
		return fe
	}
	remote, fe := addrPort(r, cRemoteIP, cRemotePort)
	if fe != nil {
		return fe
	}
	ev.Kind = event.KindConn
	ev.Client, ev.Server = local, remote
	if r.v[cActionType] == "InboundConnectionAccepted" {
		ev.Client, ev.Server = remote, local
	}
	ev.Conn.Proto = protoNumber(r.v[cProtocol])
	switch ev.Conn.Proto {
	case 6:
		ev.Transport = event.TransportTCP
		if ev.Server.Port() == 853 {
			ev.Transport = event.TransportDoT
		}
	case 17:
		ev.Transport = event.TransportUDP
	}
	ev.Conn.State = r.v[cActionType]
	return nil
}

func (d *Decoder) registry(ev *event.Event, r *row) *fieldError {
	ev.Kind = event.KindRegistry
	ev.Registry.Op = registryOp(r.v[cActionType])
	ev.Registry.Key = r.v[cRegistryKey]
	ev.Registry.ValueName = r.v[cRegistryValueName]
	ev.Registry.Data = r.v[cRegistryValueData]
	if r.v[cPreviousRegistryValueData] != "" {
		d.nPrevDropped++
	}
	return nil
}

func (d *Decoder) process(ev *event.Event, r *row) *fieldError {
	pid, fe := parseInt(r, cProcessID)
	if fe != nil {
		return fe
	}
	ev.Kind = event.KindProcess
	ev.Process.PID = pid
	ev.Process.Image = d.image(r.v[cFolderPath], r.v[cFileName])
	ev.Process.CommandLine = r.v[cProcessCommandLine]
	ev.Process.ParentImage = d.image(r.v[cIPFolderPath], r.v[cIPFileName])
	ev.Process.User = d.user(r.v[cAccountDomain], r.v[cAccountName])
	return nil
}

// registryOp names the change an ActionType of DeviceRegistryEvents makes.
func registryOp(action string) string {
	switch action {
	case "RegistryValueSet":
		return "set"
	case "RegistryKeyCreated":
		return "create"
	case "RegistryValueDeleted", "RegistryKeyDeleted":
		return "delete"
	case "RegistryKeyRenamed":
		return "rename"
	}
	return action
}

// protoNumber maps Defender's Protocol column (Tcp, Udp, TcpV4, UdpV6,
// Icmp, IcmpV6, ...) to an IP protocol number, 0 when unknown.
func protoNumber(p string) uint8 {
	switch {
	case hasPrefixFold(p, "tcp"):
		return 6
	case hasPrefixFold(p, "udp"):
		return 17
	case hasPrefixFold(p, "icmpv6"):
		return 58
	case hasPrefixFold(p, "icmp"):
		return 1
	}
	return 0
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// image joins a folder and a file name into a path. Defender's FolderPath
// columns usually hold the full path including the file name already; some
// exports hold the folder only.
func (d *Decoder) image(folder, file string) string {
	switch {
	case folder == "":
		return file
	case file == "" || hasSuffixFold(folder, file):
		return folder
	}
	start := len(d.strs)
	d.strs = append(d.strs, folder...)
	if c := folder[len(folder)-1]; c != '\\' && c != '/' {
		d.strs = append(d.strs, '\\')
	}
	d.strs = append(d.strs, file...)
	return bufString(d.strs[start:])
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// user returns domain\account, or whichever of the two is set.
func (d *Decoder) user(domain, account string) string {
	if domain == "" || account == "" {
		return account
	}
	start := len(d.strs)
	d.strs = append(d.strs, domain...)
	d.strs = append(d.strs, '\\')
	d.strs = append(d.strs, account...)
	return bufString(d.strs[start:])
}

// addrPort parses an address column and its port column. An empty address
// gives the zero AddrPort; an IPv4-mapped IPv6 address is unmapped.
func addrPort(r *row, ac, pc col) (netip.AddrPort, *fieldError) {
	if r.v[ac] == "" {
		return netip.AddrPort{}, nil
	}
	a, err := netip.ParseAddr(r.v[ac])
	if err != nil {
		return netip.AddrPort{}, badField("bad address", ac, r.v[ac])
	}
	var port uint64
	if s := r.v[pc]; s != "" {
		if port, err = strconv.ParseUint(s, 10, 16); err != nil {
			return netip.AddrPort{}, badField("bad port", pc, s)
		}
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(port)), nil
}

// parseInt parses an integer column; empty gives 0.
func parseInt(r *row, c col) (int64, *fieldError) {
	s := r.v[c]
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, badField("bad number", c, s)
	}
	return n, nil
}

// bufString views b as a string without copying. The string aliases the
// decoder's buffer, which is rewritten only after the next row is read, so
// it honours the event ownership rule.
func bufString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
