{
  "targets": [
    {
      "target_name": "keccak",
      "sources": ["keccak.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
