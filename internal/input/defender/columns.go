package defender

import "strings"

// col names one Advanced Hunting column the decoder reads. Columns it does
// not read are ignored wherever they appear.
type col uint8

const (
	cTimestamp col = iota
	cDeviceID
	cDeviceName
	cActionType
	cLocalIP
	cLocalPort
	cRemoteIP
	cRemotePort
	cProtocol
	cFileName
	cFolderPath
	cProcessID
	cProcessCommandLine
	cAccountDomain
	cAccountName
	cRegistryKey
	cRegistryValueName
	cRegistryValueData
	cPreviousRegistryValueData
	cAdditionalFields
	cIPFileName
	cIPFolderPath
	cIPID
	cIPCommandLine
	cIPAccountDomain
	cIPAccountName
	cIPParentFileName
	cTable
	nCols

	cNone col = 0xFF
)

// colByName maps an exported column name to its col. A " [UTC]" suffix, as
// Microsoft's portals add to time columns in CSV exports, is ignored.
// The table may come from a column named by the query ("TableName",
// "Table", "$table" from `union withsource=`), from Sentinel's "Type" or
// from the streaming API's "category".
func colByName(name string) col {
	name = strings.TrimSuffix(strings.TrimSpace(name), " [UTC]")
	switch name {
	case "Timestamp":
		return cTimestamp
	case "DeviceId":
		return cDeviceID
	case "DeviceName":
		return cDeviceName
	case "ActionType":
		return cActionType
	case "LocalIP":
		return cLocalIP
	case "LocalPort":
		return cLocalPort
	case "RemoteIP":
		return cRemoteIP
	case "RemotePort":
		return cRemotePort
	case "Protocol":
		return cProtocol
	case "FileName":
		return cFileName
	case "FolderPath":
		return cFolderPath
	case "ProcessId":
		return cProcessID
	case "ProcessCommandLine":
		return cProcessCommandLine
	case "AccountDomain":
		return cAccountDomain
	case "AccountName":
		return cAccountName
	case "RegistryKey":
		return cRegistryKey
	case "RegistryValueName":
		return cRegistryValueName
	case "RegistryValueData":
		return cRegistryValueData
	case "PreviousRegistryValueData":
		return cPreviousRegistryValueData
	case "AdditionalFields":
		return cAdditionalFields
	case "InitiatingProcessFileName":
		return cIPFileName
	case "InitiatingProcessFolderPath":
		return cIPFolderPath
	case "InitiatingProcessId":
		return cIPID
	case "InitiatingProcessCommandLine":
		return cIPCommandLine
	case "InitiatingProcessAccountDomain":
		return cIPAccountDomain
	case "InitiatingProcessAccountName":
		return cIPAccountName
	case "InitiatingProcessParentFileName":
		return cIPParentFileName
	case "TableName", "Table", "$table", "Type", "category":
		return cTable
	}
	return cNone
}

// isDefenderColumn reports whether name is one of the columns that mark an
// Advanced Hunting export (beside Timestamp, which many formats share).
func isDefenderColumn(name string) bool {
	switch colByName(name) {
	case cDeviceName, cDeviceID, cActionType, cRemoteIP, cRegistryKey, cIPFileName, cProcessCommandLine:
		return true
	}
	return false
}
