/**
 * The `watchlistScreening` capability (workflow 10013): the holder's name (and birth date, when the list has one)
 * from the document, screened against a sanctions list the operator provides (`IDV_SANCTIONS_LIST`: a file in the
 * OFAC SDN CSV format). A self-hosted server has no list of its own and never pretends to have screened:
 * - no list configured → `NOT_EXECUTED NO_LIST_CONFIGURED` (10013 requires it, so the execution is WARNING at best);
 * - a configured list that cannot be read → `NOT_EXECUTED LIST_UNREADABLE`;
 * - no name read from the document → `NOT_EXECUTED NOT_ENOUGH_DATA`;
 * - one or more possible matches → `WARNING ALERT` (a fuzzy name match is a lead for review, not a verdict);
 * - none → `PASSED OK`.
 * Result data: the number of matches and the list entries' ids and scores (the list is public; the holder's data is
 * not repeated here).
 */
import { randomUUID } from 'node:crypto';
import type { DocumentReaders } from '../documents/document-analysis.js';
import { documentEvidence } from './document-evidence.js';
import type { Capability, CapabilityResult, DecisionType, ExecutionInput } from './types.js';

export interface WatchlistMatch {
  uid: string;
  score: number;
}

/** Screens one person; `undefined` from the factory means no list is configured. */
export interface WatchlistScreener {
  /** `tolerance`: largest name dissimilarity still a match (the client's weight); the list's default when absent. */
  screen(
    person: { firstName?: string; lastName: string; dateOfBirth?: string },
    options?: { tolerance?: number },
  ): Promise<WatchlistMatch[]>;
}

export function watchlistCapability(
  readers: DocumentReaders,
  screener: () => Promise<WatchlistScreener | undefined>,
): Capability {
  return {
    name: 'watchlistScreening',
    async run(input: ExecutionInput): Promise<CapabilityResult[]> {
      if (input.definitionKey !== 10013) return [];
      const results: CapabilityResult[] = [];
      let list: WatchlistScreener | undefined;
      let listError: string | undefined;
      try {
        list = await screener();
      } catch (error) {
        // A list that cannot be read is the operator's to fix, not the user's fault: report it, never pass.
        listError = (error as { code?: string }).code ?? 'SANCTIONS_LIST_UNREADABLE';
      }
      for (const credential of input.credentials.filter((c) => c.category === 'ID')) {
        const result = (type: DecisionType, label: string, data: Record<string, unknown> = {}) =>
          results.push({
            id: randomUUID(),
            credentials: [{ id: credential.id, category: credential.category }],
            decision: { type, details: { label } },
            data,
          });
        if (listError) {
          result('NOT_EXECUTED', 'LIST_UNREADABLE', { error: listError });
          continue;
        }
        if (!list) {
          result('NOT_EXECUTED', 'NO_LIST_CONFIGURED');
          continue;
        }
        const { fields } = (await documentEvidence(input, credential.id, readers)).merged;
        if (!fields.lastName) {
          result('NOT_EXECUTED', 'NOT_ENOUGH_DATA');
          continue;
        }
        const matches = await list.screen(
          {
            lastName: fields.lastName,
            ...(fields.firstName ? { firstName: fields.firstName } : {}),
            ...(fields.dateOfBirth ? { dateOfBirth: fields.dateOfBirth } : {}),
          },
          input.sanctions ? { tolerance: input.sanctions.nameTolerance } : undefined,
        );
        if (matches.length > 0) result('WARNING', 'ALERT', { matches: matches.length, entries: matches });
        else result('PASSED', 'OK', { matches: 0 });
      }
      return results;
    },
  };
}
