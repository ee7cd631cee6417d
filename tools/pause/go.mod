module nextjs-infra/tools/pause

go 1.24
