/** What joins a finding to other tools: Wireshark's stream filter, a command that opens it there, the Community ID. */
import { flowCommunityId } from '../flow/community-id.js';
import type { Flow } from '../flow/table.js';
import { streamFilter, wiresharkCommand } from '../model/wireshark.js';
import type { Finding } from './types.js';

/**
 * The finding's `streamFilter`, `wireshark` (only when `captureFile` names a file Wireshark can
 * open again) and `communityId`, in that order.
 */
export function findingLinks(flow: Flow, firstFrame: number | undefined, captureFile: string | undefined): Pick<Finding, 'streamFilter' | 'wireshark' | 'communityId'> {
  const filter = streamFilter(flow.kind, flow.stream);
  return {
    streamFilter: filter,
    ...(captureFile !== undefined && firstFrame !== undefined ? { wireshark: wiresharkCommand(captureFile, firstFrame, filter) } : {}),
    communityId: flowCommunityId(flow),
  };
}
