import { AnalysisClient } from '../capture/analysis-client.js';

// One worker for every camera step of the page: the face runtime it loads is reused from selfie to liveness.
const analysisClients = new Map<string, AnalysisClient>();

/** The page's analysis worker for the assets at `assetBase`, created on first use. */
export function analysisClientFor(assetBase: string): AnalysisClient {
  let client = analysisClients.get(assetBase);
  if (!client) {
    client = new AnalysisClient({ assetBase });
    analysisClients.set(assetBase, client);
  }
  return client;
}
