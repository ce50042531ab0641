{
  "targets": [
    {
      "target_name": "sais",
      "sources": ["sais.c"],
      "cflags": ["-O3", "-Wall"]
    }
  ]
}
