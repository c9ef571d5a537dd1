/**
 * Link-layer header types (LINKTYPE_*) and their libpcap names.
 * Ref: https://www.tcpdump.org/linktypes.html; names as `pcap_datalink_val_to_name()` prints them.
 */

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_PPP = 9;
/** DLT_RAW as most BSDs and Linux number it; some old captures carry it instead of 101. */
export const LINKTYPE_RAW_BSD = 12;
/** DLT_RAW as OpenBSD numbers it; Wireshark reads 14 as raw IP too. */
export const LINKTYPE_RAW_OPENBSD = 14;
export const LINKTYPE_PPP_HDLC = 50;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

const NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'NULL'],
  [1, 'EN10MB'],
  [6, 'IEEE802'],
  [7, 'ARCNET'],
  [8, 'SLIP'],
  [9, 'PPP'],
  [10, 'FDDI'],
  [12, 'RAW'],
  [14, 'RAW'],
  [50, 'PPP_HDLC'],
  [51, 'PPP_ETHER'],
  [100, 'ATM_RFC1483'],
  [101, 'RAW'],
  [104, 'C_HDLC'],
  [105, 'IEEE802_11'],
  [107, 'FRELAY'],
  [108, 'LOOP'],
  [113, 'LINUX_SLL'],
  [114, 'LTALK'],
  [117, 'PFLOG'],
  [119, 'PRISM_HEADER'],
  [122, 'IP_OVER_FC'],
  [127, 'IEEE802_11_RADIOTAP'],
  [138, 'APPLE_IP_OVER_IEEE1394'],
  [143, 'DOCSIS'],
  [163, 'IEEE802_11_RADIO_AVS'],
  [189, 'USB_LINUX'],
  [192, 'PPI'],
  [195, 'IEEE802_15_4_WITHFCS'],
  [197, 'ERF'],
  [201, 'BLUETOOTH_HCI_H4_WITH_PHDR'],
  [220, 'USB_LINUX_MMAPPED'],
  [228, 'IPV4'],
  [229, 'IPV6'],
  [239, 'NFLOG'],
  [249, 'USBPCAP'],
  [253, 'NETLINK'],
  [274, 'ETHERNET_MPACKET'],
  [276, 'LINUX_SLL2'],
]);

/** The libpcap name of a link type, or `LINKTYPE_<n>` when it has none here. */
export function linkTypeName(linkType: number): string {
  return NAMES.get(linkType) ?? `LINKTYPE_${linkType}`;
}
