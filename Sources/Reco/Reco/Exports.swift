// `import Reco` gives the whole system, as before the services had targets of their own: the
// serving layer (here) and every service's module. A program that runs one service can import
// just its module (`RecoHistory`, `RecoSimilarity`, `RecoCandidates`, `RecoSearchHome`); `RecoRedis` and
// `RecoPostgres` are the shared engines' clients.
@_exported import RecoCandidates
@_exported import RecoCore
@_exported import RecoDemoData
@_exported import RecoHistory
@_exported import RecoPostgres
@_exported import RecoRedis
@_exported import RecoSearchHome
@_exported import RecoSimilarity
