import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendRequestError } from '../backend/backend-errors.js';
import type { Backend } from '../backend/backend-registry.js';
import { backendClientObserver, throttleObserver } from './observers.js';
import { ProcessMetrics } from './process-metrics.js';
import { RoomMetrics } from './room-metrics.js';
import { SignalingMetrics } from './signaling-metrics.js';

/** The families (name and type) in a text exposition. */
function families(text: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    result.set(match[1] as string, match[2] as string);
  }
  return result;
}

test('signaling metrics - upstream names and types; empty vectors stay hidden', () => {
  const metrics = new SignalingMetrics();
  metrics.watchBackends(() => [
    { id: 'one', sessionLimit: 0 },
    { id: 'two', sessionLimit: 5 },
  ]);
  const text = metrics.registry.render();
  assert.deepEqual(
    [...families(text)],
    [
      ['signaling_backend_current', 'gauge'],
      ['signaling_backend_session_limit', 'gauge'],
      ['signaling_client_handler_errors_total', 'counter'],
      ['signaling_client_rtt', 'histogram'],
      ['signaling_hub_sessions_resume_failed_total', 'counter'],
    ],
  );
  assert.match(text, /^signaling_backend_current 2$/m);
  assert.match(text, /^signaling_backend_session_limit\{backend="two"\} 5$/m);
  assert.doesNotMatch(text, /backend="one"/);
  assert.match(text, /^signaling_client_rtt_bucket\{le="30000(\.\d+)?"\} 0$/m);
  assert.match(text, /^signaling_client_rtt_bucket\{le="1"\} 0$/m);
});

test('signaling metrics - backend client observer maps failures to upstream error labels', () => {
  const metrics = new SignalingMetrics();
  const observer = backendClientObserver(metrics);
  const backend = { id: 'nc' } as Backend;
  observer.requestStarted?.(backend, 'cloud.invalid');
  assert.equal(metrics.httpClientPoolConnections.get({ host: 'cloud.invalid' }), 1);
  observer.requestFinished?.(backend, 'cloud.invalid', 0.2, undefined);
  observer.requestStarted?.(backend, 'cloud.invalid');
  observer.requestFinished?.(
    backend,
    'cloud.invalid',
    10,
    new BackendRequestError('timeout', 'slow').failure,
  );
  observer.requestStarted?.(backend, 'cloud.invalid');
  observer.requestFinished?.(backend, 'cloud.invalid', 0.1, 'invalid_content_type');
  assert.equal(metrics.httpClientPoolConnections.get({ host: 'cloud.invalid' }), 0);
  assert.equal(metrics.backendClientRequestsTotal.get({ backend: 'nc' }), 3);
  assert.equal(metrics.backendClientRequestsDuration.count({ backend: 'nc' }), 3);
  assert.equal(
    metrics.backendClientRequestsErrorsTotal.get({ backend: 'nc', error: 'timeout' }),
    1,
  );
  assert.equal(
    metrics.backendClientRequestsErrorsTotal.get({ backend: 'nc', error: 'invalid_content_type' }),
    1,
  );
});

test('signaling metrics - throttle observer labels the delay in milliseconds', () => {
  const metrics = new SignalingMetrics();
  const observer = throttleObserver(metrics);
  observer.delayed?.('HelloResume', 100);
  observer.delayed?.('HelloResume', 200);
  observer.blocked?.('BackendRoomAuth');
  const text = metrics.registry.render();
  assert.match(text, /^signaling_throttle_delayed_total\{action="HelloResume",delay="100"\} 1$/m);
  assert.match(text, /^signaling_throttle_delayed_total\{action="HelloResume",delay="200"\} 1$/m);
  assert.match(text, /^signaling_throttle_bruteforce_total\{action="BackendRoomAuth"\} 1$/m);
});

test('room metrics - rooms, room sessions and calls follow upstream room.go rules', () => {
  const metrics = new SignalingMetrics();
  const rooms = new RoomMetrics(metrics);
  rooms.roomCreated('nc');
  rooms.roomCreated('nc');
  rooms.sessionJoined('nc', 'r1', 'client');
  rooms.sessionJoined('nc', 'r1', 'internal');
  rooms.sessionJoinedCall('nc', 'r1', 'client');
  rooms.sessionJoinedCall('nc', 'r1', 'internal');
  assert.equal(rooms.roomCount, 2);
  assert.equal(metrics.callRoomsTotal.get({ backend: 'nc' }), 1);
  assert.equal(metrics.callSessionsTotal.get({ backend: 'nc', clienttype: 'client' }), 1);
  rooms.sessionLeftCall('nc', 'r1', 'internal');
  assert.equal(metrics.callSessions.get({ backend: 'nc', room: 'r1', clienttype: 'internal' }), 0);
  rooms.sessionLeftCall('nc', 'r1', 'client');
  // The last one leaving drops the room's call series.
  assert.doesNotMatch(metrics.registry.render(), /signaling_call_sessions\{/);
  rooms.sessionJoinedCall('nc', 'r1', 'client');
  assert.equal(metrics.callRoomsTotal.get({ backend: 'nc' }), 2);
  rooms.roomClosed('nc', 'r1');
  assert.equal(rooms.roomCount, 1);
  const text = metrics.registry.render();
  assert.doesNotMatch(text, /signaling_room_sessions\{/);
  assert.doesNotMatch(text, /signaling_call_sessions\{/);
  rooms.virtualSessionAdded('nc');
  assert.equal(rooms.virtualSessionCount, 1);
  rooms.virtualSessionRemoved('nc');
  assert.equal(rooms.virtualSessionCount, 0);
  assert.equal(metrics.hubSessionsTotal.get({ backend: 'nc', clienttype: 'virtual' }), 1);
});

test('process metrics - process_* and nodejs_* figures are present', () => {
  const metrics = new SignalingMetrics();
  const processMetrics = new ProcessMetrics(metrics.registry);
  try {
    const text = metrics.registry.render();
    const names = families(text);
    for (const name of [
      'process_cpu_seconds_total',
      'process_cpu_user_seconds_total',
      'process_start_time_seconds',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_version_info',
    ]) {
      assert.ok(names.has(name), name);
    }
    if (process.platform === 'linux') {
      assert.match(text, /^process_open_fds \d+$/m);
      assert.match(text, /^process_virtual_memory_bytes \d/m);
    }
    assert.match(
      text,
      new RegExp(
        `nodejs_version_info\\{major="\\d+",minor="\\d+",patch="\\d+",version="${process.version}"\\} 1`,
      ),
    );
  } finally {
    processMetrics.close();
  }
});
