# Every external library comes from a Debian package installed by scripts/setup.
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json url)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(spdlog REQUIRED)
find_package(GTest REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)

# Boost.Asio/Beast: header-only, C++20 coroutines; separate compilation keeps TUs light.
add_library(carrier_boost INTERFACE)
target_link_libraries(carrier_boost INTERFACE Boost::boost Boost::json Boost::url Threads::Threads)
target_compile_definitions(carrier_boost INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
