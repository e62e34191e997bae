// libFuzzer target: decodes the input as every reco.v1 message (the first byte picks the type),
// then encodes what decoded, decodes that and encodes it again. Any crash, leak or sanitizer report is a bug:
// bytes from the network must only ever fail with ProtobufDecodingError.
import FuzzDriver
import CourierProtobuf
import RecoProtos

let messageTypes: [any ProtobufMessage.Type] = [
    Reco_V1_UserAction.self, Reco_V1_RecordResponse.self, Reco_V1_IngestRejection.self, Reco_V1_IngestSummary.self,
    Reco_V1_HistoryRequest.self, Reco_V1_KeywordEntry.self, Reco_V1_ShopEntry.self, Reco_V1_KeywordHistory.self,
    Reco_V1_ShopHistory.self, Reco_V1_SessionActivity.self, Reco_V1_Location.self, Reco_V1_Shop.self,
    Reco_V1_Candidate.self, Reco_V1_CandidateColumns.self, Reco_V1_CandidatesRequest.self, Reco_V1_CandidatesResponse.self,
    Reco_V1_GetShopsRequest.self, Reco_V1_GetShopsResponse.self, Reco_V1_LoadPartDateRequest.self, Reco_V1_LoadPartDateResponse.self,
    Reco_V1_HistoryItem.self, Reco_V1_RankByHistoryRequest.self, Reco_V1_RankByKeywordRequest.self, Reco_V1_RankByShopRequest.self,
    Reco_V1_RankByVectorRequest.self, Reco_V1_RankResponse.self, Reco_V1_ScoredShop.self, Reco_V1_ScoredKeyword.self,
    Reco_V1_RepresentativeKeywordsRequest.self, Reco_V1_RepresentativeKeywordsResponse.self,
    Reco_V1_RecommendRequest.self, Reco_V1_RecommendResponse.self, Reco_V1_RecommendedShop.self,
]

func roundTrip<M: ProtobufMessage>(_ type: M.Type, _ bytes: UnsafeRawBufferPointer) {
    guard let message = try? M(serializedBytes: bytes) else { return }
    // What decoded must encode; the encoding must decode, and encode to the same bytes (bytes,
    // not values: a NaN float is not equal to itself).
    guard let encoded = try? message.serializedBytes() else { fatalError("\(M.protoMessageName): decoded but does not encode") }
    guard let again = try? M(serializedBytes: encoded) else { fatalError("\(M.protoMessageName): its own encoding does not decode") }
    guard (try? again.serializedBytes()) == encoded else { fatalError("\(M.protoMessageName): re-encoding is not stable") }
}

@main
struct FuzzMessages {
    static func main() {
        fuzzMain("messages") { data, size in
            guard let data, size > 0 else { return 0 }
            let type = messageTypes[Int(data[0]) % messageTypes.count]
            roundTrip(type, UnsafeRawBufferPointer(start: data + 1, count: size - 1))
            return 0
        }
    }
}
