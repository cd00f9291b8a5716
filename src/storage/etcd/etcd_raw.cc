#include "storage/etcd/etcd_raw.h"

#include "storage/etcd/etcd_connection.h"

namespace carrier::storage {
namespace {

class RawClient : public EtcdRawClient {
 public:
  explicit RawClient(std::shared_ptr<etcd::Connection> connection)
      : connection_(std::move(connection)) {}

  Result<Revision> Put(std::string_view key, std::string_view value) override {
    etcdserverpb::PutRequest request;
    request.set_key(std::string(key));
    request.set_value(std::string(value));
    etcdserverpb::PutResponse response;
    CARRIER_RETURN_IF_ERROR(
        connection_->Call(false, [&](etcd::Endpoint& e, grpc::ClientContext& context) {
          return e.kv->Put(&context, request, &response);
        }));
    return response.header().revision();
  }

 private:
  std::shared_ptr<etcd::Connection> connection_;
};

}  // namespace

Result<std::unique_ptr<EtcdRawClient>> OpenEtcdRawClient(const EtcdOptions& options) {
  auto connection = etcd::Connection::Open(options);
  if (!connection.ok()) return connection.status();
  return std::unique_ptr<EtcdRawClient>(std::make_unique<RawClient>(std::move(*connection)));
}

}  // namespace carrier::storage
