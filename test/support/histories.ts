// Workflow histories as JSON files (the format `temporal workflow show --output json` writes), for the
// replay test. `historyFromJSON`/`historyToJSON` of @temporalio/common fail in this install ("type must be
// a Type"): npm keeps three copies of protobufjs 8 (under @temporalio/common, /proto and /worker, since
// the root holds grpc's protobufjs 7), and protojson's `instanceof Type` check fails across copies. So the
// conversion here uses the protobufjs copy @temporalio/proto was built with; the SDK's own helper is tried
// first, so this keeps working once the copies are deduplicated.
import { createRequire } from 'node:module';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type History = proto.temporal.api.history.v1.IHistory;

function protojson(): { fromJson: (t: unknown, json: unknown, o?: unknown) => unknown; toJson: (t: unknown, m: unknown) => unknown; historyType: unknown } {
  const req = createRequire(require.resolve('@temporalio/proto'));
  const { fromJson, toJson } = req('protobufjs/ext/protojson');
  const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(n: string): unknown }).lookupType('temporal.api.history.v1.History');
  return { fromJson, toJson, historyType };
}

export function historyFromJson(json: unknown): History {
  try {
    return historyFromJSON(json);
  } catch (e) {
    if (!/must be a Type/.test(String((e as Error).message))) throw e;
    const p = protojson();
    return p.fromJson(p.historyType, json, { ignoreUnknownFields: true }) as History;
  }
}

export function historyToJsonText(history: History): string {
  try {
    return historyToJSON(history);
  } catch (e) {
    if (!/must be a Type/.test(String((e as Error).message))) throw e;
    const p = protojson();
    return JSON.stringify(p.toJson(p.historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
  }
}
