/** The report's types live in model/report.ts (plain data every stage may read); re-exported here. */
export * from '../model/report.js';
