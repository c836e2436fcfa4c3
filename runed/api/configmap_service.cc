#include "runed/api/configmap_service.h"

namespace rune::daemon {
namespace {

struct ConfigmapTraits {
  using Input = api::Configmap;
  using Output = api::Configmap;

  static constexpr auto* Validate = &common::spec::ValidateConfigmap;

  static secrets::DataObject ToObject(const api::Configmap& configmap) {
    return SharedFieldsOf(configmap);
  }

  static void ToOutput(const secrets::DataObject& object, api::Configmap* out) {
    SetSharedFields(object, out);
    out->mutable_data()->insert(object.data.begin(), object.data.end());
  }
};

}  // namespace

grpc::ServerUnaryReactor* ConfigmapServiceImpl::ApplyConfigmap(
    grpc::CallbackServerContext* ctx, const api::ApplyConfigmapRequest* request,
    api::ApplyConfigmapResponse* response) {
  return WriteObject<ConfigmapTraits>(backend_, ctx, request, &request->configmap(),
                                      secrets::WriteMode::kApply, response,
                                      response->mutable_configmap());
}

grpc::ServerUnaryReactor* ConfigmapServiceImpl::CreateConfigmap(
    grpc::CallbackServerContext* ctx, const api::CreateConfigmapRequest* request,
    api::CreateConfigmapResponse* response) {
  return WriteObject<ConfigmapTraits>(backend_, ctx, request, &request->configmap(),
                                      CreateMode(request->replace()), response,
                                      response->mutable_configmap());
}

grpc::ServerUnaryReactor* ConfigmapServiceImpl::GetConfigmap(
    grpc::CallbackServerContext* ctx, const api::GetConfigmapRequest* request,
    api::GetConfigmapResponse* response) {
  return GetObject<ConfigmapTraits>(backend_, ctx, request, response->mutable_configmap());
}

grpc::ServerUnaryReactor* ConfigmapServiceImpl::ListConfigmaps(
    grpc::CallbackServerContext* ctx, const api::ListConfigmapsRequest* request,
    api::ListConfigmapsResponse* response) {
  return ListObjects<ConfigmapTraits>(backend_, ctx, request, response->mutable_configmaps());
}

grpc::ServerUnaryReactor* ConfigmapServiceImpl::DeleteConfigmap(
    grpc::CallbackServerContext* ctx, const api::DeleteConfigmapRequest* request,
    api::DeleteConfigmapResponse* response) {
  return DeleteObject(backend_, ctx, request, response);
}

}  // namespace rune::daemon
