{
  "targets": [
    {
      "target_name": "evpn_vtep",
      "sources": [
        "native/src/addon.cc",
        "native/src/afpacket.cc",
        "native/src/arp_suppress.cc",
        "native/src/bench.cc",
        "native/src/capture.cc",
        "native/src/dataplane.cc",
        "native/src/fdb.cc",
        "native/src/lpm.cc",
        "native/src/offload.cc",
        "native/src/ops.cc",
        "native/src/pipeline.cc",
        "native/src/tcp_options.cc",
        "native/src/underlay.cc",
        "native/src/vni_table.cc",
        "native/src/vtep_table.cc",
        "native/src/vxlan.cc"
      ],
      "include_dirs": [ "<!(node -p \"require('node-addon-api').include_dir\")" ],
      "defines": [ "NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS" ],
      "cflags_cc": [ "-std=c++17", "-O2", "-Wall", "-Wextra", "-fno-exceptions", "-pthread" ],
      "ldflags": [ "-pthread" ],
      "cflags_cc!": [ "-fno-exceptions", "-std=gnu++17" ]
    }
  ]
}
