import RecoCore
import Courier
import RecoProtos
import Logging

/// `reco.v1.CandidateService`: the two-tower batch of the active part_date, delivery-filtered.
public struct CandidateServiceProvider: Reco_V1_CandidateService.ServiceProtocol {
    public let batches: ActiveBatch<CandidateBatch>
    public let directory: PartDateDirectory?
    public var selector = CandidateSelector()
    private let logger: Logger

    public init(batches: ActiveBatch<CandidateBatch>, directory: PartDateDirectory?, logger: Logger = Logger(label: "reco.candidates")) {
        self.batches = batches
        self.directory = directory
        self.logger = logger
    }

    public func getCandidates(request: Reco_V1_CandidatesRequest, context: ServerContext) async throws -> Reco_V1_CandidatesResponse {
        try UserRequestCheck.check(userId: request.userId, limit: request.limit, location: request.location)
        guard let batch = batches.batch else { throw RPCError(code: .unavailable, message: "no candidate batch loaded yet") }
        return selector.select(
            from: batch, userId: request.userId, location: request.location, limit: Int(request.limit),
            withDetails: !request.omitShopDetails)
    }

    public func getShops(request: Reco_V1_GetShopsRequest, context: ServerContext) async throws -> Reco_V1_GetShopsResponse {
        guard request.shopIds.count <= selector.maxLimit else {
            throw RPCError(code: .invalidArgument, message: "shop_ids: at most \(selector.maxLimit) per call")
        }
        guard let batch = batches.batch else { throw RPCError(code: .unavailable, message: "no candidate batch loaded yet") }
        var response = Reco_V1_GetShopsResponse()
        response.partDate = batch.partDate
        for id in request.shopIds {
            if let shop = batch.catalog.shop(id) { response.shops.append(shop) } else { response.unknownShopIds.append(id) }
        }
        return response
    }

    public func loadPartDate(request: Reco_V1_LoadPartDateRequest, context: ServerContext) async throws -> Reco_V1_LoadPartDateResponse {
        let (batch, previous) = try await batches.load(request.partDate, from: directory, service: "Candidate", logger: logger)
        logger.info("candidates activated", metadata: batch.summary.merging(["previous": "\(previous?.partDate ?? "none")"]) { $1 })
        var response = Reco_V1_LoadPartDateResponse()
        response.partDate = batch.partDate
        response.shops = Int64(batch.catalog.shops.count)
        response.previousPartDate = previous?.partDate ?? ""
        return response
    }
}
