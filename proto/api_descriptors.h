// Makes every rune.api descriptor available in the generated pool.
//
// A statically linked binary only contains the proto files it references, so
// code that looks methods up by name (the authorizing Unimplemented service,
// the fake runed, the descriptor-walk test) calls this first:
//
//   rune::api::LinkApiDescriptors();
//   auto* m = google::protobuf::DescriptorPool::generated_pool()
//                 ->FindMethodByName("rune.api.ServiceService.ListServices");
#ifndef RUNE_PROTO_API_DESCRIPTORS_H_
#define RUNE_PROTO_API_DESCRIPTORS_H_

namespace rune::api {

// Touches one message of every API file; cheap and idempotent.
void LinkApiDescriptors();

}  // namespace rune::api

#endif  // RUNE_PROTO_API_DESCRIPTORS_H_
