export { decodeProtobufObject, decodeEnvelope, isProtobufEnvelope, PROTOBUF_CONTENT_TYPE } from './decode';
export type { DecodedEnvelope } from './decode';
export { DECODABLE_KINDS } from './messages';
