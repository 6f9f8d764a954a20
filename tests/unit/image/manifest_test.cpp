#include <boost/test/unit_test.hpp>

#include <string>

#include "image/manifest.hpp"

using namespace roost::image;

namespace {

const std::string kA = "sha256:" + std::string(64, 'a');
const std::string kB = "sha256:" + std::string(64, 'b');
const std::string kC = "sha256:" + std::string(64, 'c');

std::string manifest_with_layer(const std::string& layer_type) {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
    "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" + kA + R"(","size":10},
    "layers":[{"mediaType":")" + layer_type + R"(","digest":")" + kB + R"(","size":20}]})";
}

std::string index_of(const std::string& entries) {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)" + entries + "]}";
}

std::string entry(const std::string& digest, const std::string& platform) {
  return R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + digest + R"(","size":5,"platform":)" +
         platform + "}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest)

BOOST_AUTO_TEST_CASE(oci_manifest_parses_config_and_layers) {
  auto m = parse_image_manifest(manifest_with_layer("application/vnd.oci.image.layer.v1.tar+gzip"), kOciManifest);
  BOOST_REQUIRE(m.ok());
  BOOST_TEST(m->config.digest == kA);
  BOOST_TEST(m->config.size == 10u);
  BOOST_REQUIRE(m->layers.size() == 1u);
  BOOST_TEST(m->layers[0].digest == kB);
  BOOST_TEST((*layer_compression(m->layers[0].media_type) == Compression::gzip));
}

BOOST_AUTO_TEST_CASE(docker_and_zstd_layer_types) {
  BOOST_TEST((*layer_compression("application/vnd.docker.image.rootfs.diff.tar.gzip") == Compression::gzip));
  BOOST_TEST((*layer_compression("application/vnd.oci.image.layer.v1.tar+zstd") == Compression::zstd));
  BOOST_TEST((*layer_compression("application/vnd.oci.image.layer.v1.tar") == Compression::none));
}

BOOST_AUTO_TEST_CASE(unknown_layer_type_is_named) {
  auto m = parse_image_manifest(manifest_with_layer("application/x-funny"), kOciManifest);
  BOOST_REQUIRE(!m.ok());
  BOOST_TEST(m.error().message().find("application/x-funny") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_digest_and_missing_size_are_corrupt) {
  auto bad = manifest_with_layer("application/vnd.oci.image.layer.v1.tar");
  auto m = parse_image_manifest(bad.replace(bad.find(kB), kB.size(), "sha256:xyz"), kOciManifest);
  BOOST_REQUIRE(!m.ok());
  BOOST_TEST(m.error().message().find("sha256:xyz") != std::string::npos);
  auto m2 = parse_image_manifest(R"({"schemaVersion":2,"config":{"digest":")" + kA + R"("},"layers":[]})", kOciManifest);
  BOOST_REQUIRE(!m2.ok());
  BOOST_TEST(m2.error().message().find("size") != std::string::npos);
  BOOST_TEST(!parse_image_manifest("not json", kOciManifest).ok());
  BOOST_TEST(!parse_image_manifest(manifest_with_layer("x"), "application/vnd.docker.distribution.manifest.v1+json").ok());
}

BOOST_AUTO_TEST_CASE(media_type_from_header_or_document) {
  std::string doc = index_of("");
  BOOST_TEST(manifest_media_type(doc, "application/json") == kOciIndex);
  BOOST_TEST(manifest_media_type("{}", std::string(kDockerManifest) + "; charset=utf-8") == kDockerManifest);
  BOOST_TEST(manifest_media_type(R"({"schemaVersion":2,"layers":[]})", "") == kOciManifest);
}

BOOST_AUTO_TEST_CASE(platform_parsing) {
  auto p = parse_platform("linux/arm64/v8");
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(p->os == "linux");
  BOOST_TEST(p->architecture == "arm64");
  BOOST_TEST(p->variant == "v8");
  BOOST_TEST(p->str() == "linux/arm64/v8");
  for (const char* bad : {"linux", "/amd64", "linux/", "linux/arm/", "linux/arm/v7/x"}) {
    BOOST_TEST_INFO(bad);
    BOOST_TEST(!parse_platform(bad).ok());
  }
}

BOOST_AUTO_TEST_CASE(choose_platform_exact_and_variant) {
  auto list = parse_manifest_list(index_of(entry(kA, R"({"os":"linux","architecture":"amd64"})") + "," +
                                           entry(kB, R"({"os":"linux","architecture":"arm","variant":"v7"})") + "," +
                                           entry(kC, R"({"os":"linux","architecture":"arm64"})")),
                                  kOciIndex);
  BOOST_REQUIRE(list.ok());
  BOOST_TEST(choose_platform(*list, *parse_platform("linux/amd64"))->manifest.digest == kA);
  BOOST_TEST(choose_platform(*list, *parse_platform("linux/arm/v7"))->manifest.digest == kB);
  // arm64 without a variant is v8.
  BOOST_TEST(choose_platform(*list, *parse_platform("linux/arm64/v8"))->manifest.digest == kC);
  BOOST_TEST(choose_platform(*list, *parse_platform("linux/arm64"))->manifest.digest == kC);
}

BOOST_AUTO_TEST_CASE(no_matching_platform_lists_the_available_ones) {
  auto list = parse_manifest_list(index_of(entry(kA, R"({"os":"linux","architecture":"amd64"})") + "," +
                                           entry(kB, R"({"os":"linux","architecture":"arm","variant":"v7"})")),
                                  kDockerList);
  BOOST_REQUIRE(list.ok());
  auto r = choose_platform(*list, *parse_platform("linux/s390x"));
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message() ==
             "no image for platform linux/s390x in the manifest list (it has: linux/amd64, linux/arm/v7)");
  BOOST_TEST(!choose_platform(*list, *parse_platform("linux/arm/v6")).ok());
}

BOOST_AUTO_TEST_CASE(attestation_entries_are_not_chosen) {
  std::string att = R"({"mediaType":"application/vnd.in-toto+json","digest":")" + kB +
                    R"(","size":5,"platform":{"os":"linux","architecture":"amd64"}})";
  auto list = parse_manifest_list(index_of(att + "," + entry(kA, R"({"os":"linux","architecture":"amd64"})")), kOciIndex);
  BOOST_REQUIRE(list.ok());
  BOOST_TEST(choose_platform(*list, *parse_platform("linux/amd64"))->manifest.digest == kA);
}

BOOST_AUTO_TEST_SUITE_END()
