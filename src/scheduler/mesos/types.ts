/**
 * Mesos v1 scheduler API messages in their JSON form (proto field names, enums as strings, bytes as
 * Base64, IDs as `{value}`), as defined by include/mesos/v1/mesos.proto and v1/scheduler/scheduler.proto.
 * Only the fields km reads or writes are typed; the simulator's JSON Schemas are the strict reference.
 */

export interface Value {
  value: string;
}
export type FrameworkID = Value;
export type OfferID = Value;
export type AgentID = Value;
export type TaskID = Value;
export type ExecutorID = Value;

export interface Range {
  begin: number;
  end: number;
}

export interface Resource {
  name: string;
  type: 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
  scalar?: { value: number };
  ranges?: { range: Range[] };
  set?: { item: string[] };
  role?: string;
  allocation_info?: { role?: string };
}

export interface Attribute {
  name: string;
  type: 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
  scalar?: { value: number };
  ranges?: { range: Range[] };
  set?: { item: string[] };
  text?: { value: string };
}

export interface Label {
  key: string;
  value?: string;
}
export interface Labels {
  labels: Label[];
}

export interface Offer {
  id: OfferID;
  framework_id: FrameworkID;
  agent_id: AgentID;
  hostname: string;
  resources: Resource[];
  attributes?: Attribute[];
  executor_ids?: ExecutorID[];
  url?: { scheme: string; address: { hostname?: string; ip?: string; port: number }; path?: string };
}

export interface Filters {
  refuse_seconds?: number;
}

export interface EnvironmentVariable {
  name: string;
  value?: string;
}

export interface CommandInfo {
  value?: string;
  arguments?: string[];
  shell?: boolean;
  environment?: { variables: EnvironmentVariable[] };
  user?: string;
}

export interface PortMapping {
  host_port: number;
  container_port: number;
  protocol?: string;
}

export interface ContainerInfo {
  type: 'DOCKER' | 'MESOS';
  docker?: {
    image: string;
    network?: 'HOST' | 'BRIDGE' | 'NONE' | 'USER';
    port_mappings?: PortMapping[];
    privileged?: boolean;
    parameters?: Array<{ key: string; value: string }>;
    force_pull_image?: boolean;
  };
  mesos?: { image?: { type: 'DOCKER' | 'APPC'; docker?: { name: string } } };
  network_infos?: Array<{ name?: string; port_mappings?: PortMapping[] }>;
  hostname?: string;
}

export interface TaskInfo {
  name: string;
  task_id: TaskID;
  agent_id: AgentID;
  resources: Resource[];
  command?: CommandInfo;
  container?: ContainerInfo;
  labels?: Labels;
  data?: string;
}

export interface Operation {
  type: 'LAUNCH';
  launch: { task_infos: TaskInfo[] };
}

export type TaskState =
  | 'TASK_STAGING'
  | 'TASK_STARTING'
  | 'TASK_RUNNING'
  | 'TASK_KILLING'
  | 'TASK_FINISHED'
  | 'TASK_FAILED'
  | 'TASK_KILLED'
  | 'TASK_ERROR'
  | 'TASK_LOST'
  | 'TASK_DROPPED'
  | 'TASK_UNREACHABLE'
  | 'TASK_GONE'
  | 'TASK_GONE_BY_OPERATOR'
  | 'TASK_UNKNOWN';

export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNKNOWN',
]);

export interface TaskStatus {
  task_id: TaskID;
  state: TaskState;
  message?: string;
  source?: 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';
  reason?: string;
  data?: string;
  agent_id?: AgentID;
  executor_id?: ExecutorID;
  timestamp?: number;
  uuid?: string;
  healthy?: boolean;
  container_status?: {
    network_infos?: Array<{ ip_addresses?: Array<{ ip_address?: string; protocol?: string }> }>;
  };
}

export interface MasterInfo {
  id: string;
  ip: number;
  port: number;
  pid?: string;
  hostname?: string;
  version?: string;
  address?: { hostname?: string; ip?: string; port: number };
}

export interface FrameworkInfo {
  user: string;
  name: string;
  id?: FrameworkID;
  failover_timeout?: number;
  checkpoint?: boolean;
  roles?: string[];
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: Array<{ type: string }>;
  labels?: Labels;
}

/** Events on the SUBSCRIBE stream. */
export type SchedulerEvent =
  | { type: 'SUBSCRIBED'; subscribed: { framework_id: FrameworkID; heartbeat_interval_seconds?: number; master_info?: MasterInfo } }
  | { type: 'OFFERS'; offers: { offers?: Offer[] } }
  | { type: 'RESCIND'; rescind: { offer_id: OfferID } }
  | { type: 'UPDATE'; update: { status: TaskStatus } }
  | { type: 'MESSAGE'; message: { agent_id: AgentID; executor_id: ExecutorID; data: string } }
  | { type: 'FAILURE'; failure: { agent_id?: AgentID; executor_id?: ExecutorID; status?: number } }
  | { type: 'ERROR'; error: { message: string } }
  | { type: 'HEARTBEAT' };

export type EventType = SchedulerEvent['type'];

/** Calls other than SUBSCRIBE; the client fills `framework_id`. */
export type SchedulerCall =
  | { type: 'TEARDOWN' }
  | { type: 'ACCEPT'; accept: { offer_ids: OfferID[]; operations: Operation[]; filters?: Filters } }
  | { type: 'DECLINE'; decline: { offer_ids: OfferID[]; filters?: Filters } }
  | { type: 'REVIVE'; revive?: { roles?: string[] } }
  | { type: 'SUPPRESS'; suppress?: { roles?: string[] } }
  | { type: 'KILL'; kill: { task_id: TaskID; agent_id?: AgentID } }
  | { type: 'SHUTDOWN'; shutdown: { executor_id: ExecutorID; agent_id: AgentID } }
  | { type: 'ACKNOWLEDGE'; acknowledge: { agent_id: AgentID; task_id: TaskID; uuid: string } }
  | { type: 'RECONCILE'; reconcile: { tasks: Array<{ task_id: TaskID; agent_id?: AgentID }> } }
  | { type: 'MESSAGE'; message: { agent_id: AgentID; executor_id: ExecutorID; data: string } };
