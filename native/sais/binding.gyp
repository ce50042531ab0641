{
  "targets": [
    {
      "target_name": "sais",
      "sources": ["sais.c", "lcp.c"],
      "cflags": ["-O3", "-Wall"]
    }
  ]
}
