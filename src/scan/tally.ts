/**
 * The tally of a capture's findings moved to report/tally.ts (the text report is what needs it;
 * scan workers make it). Re-exported here while code written against this place is merged.
 */
export { FindingTallyCounter, higherSeverity, tallyFindings, tallyKey, type FindingTally } from '../report/tally.js';
