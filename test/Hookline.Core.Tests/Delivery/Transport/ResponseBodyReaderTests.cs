using System.Net;
using System.Text;
using Hookline.Core.Delivery;
using Hookline.Core.Delivery.Transport;

namespace Hookline.Core.Tests.Delivery.Transport;

public sealed class ResponseBodyReaderTests
{
    private static async Task<ResponseBody> FetchAsync(byte[] body, int maxBytes)
    {
        await using var server = new CannedHttpServer(CannedHttpServer.BuildResponse(200, "OK", body, "Content-Type: application/octet-stream"));
        using var client = new DeliveryHttpClientFactory(new DeliveryOptions { AllowPrivateNetworks = true }).CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{server.Port}/") { Content = new StringContent("{}") };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ResponseBodyReader.ReadAsync(response, maxBytes, CancellationToken.None);
    }

    [Fact]
    public async Task ReadAsync_SmallUtf8Body_ReturnsTextUntruncated()
    {
        var body = await FetchAsync(Encoding.UTF8.GetBytes("{\"ok\":true,\"name\":\"Zoë\"}"), ResponseBodyReader.DefaultMaxBytes);

        Assert.Equal("{\"ok\":true,\"name\":\"Zoë\"}", body.Content);
        Assert.Equal(ResponseBodyEncoding.Utf8, body.Encoding);
        Assert.False(body.IsTruncated);
    }

    [Fact]
    public async Task ReadAsync_BodyLargerThanLimit_IsCutAtTheLimit()
    {
        var big = Encoding.ASCII.GetBytes(new string('a', 1024 * 1024));

        var body = await FetchAsync(big, ResponseBodyReader.DefaultMaxBytes);

        Assert.True(body.IsTruncated);
        Assert.Equal(20 * 1024, body.ByteCount);
        Assert.Equal(new string('a', 20 * 1024), body.Content);
    }

    [Fact]
    public async Task ReadAsync_BodyExactlyAtLimit_IsNotTruncated()
    {
        var body = await FetchAsync(Encoding.ASCII.GetBytes(new string('b', 100)), 100);

        Assert.False(body.IsTruncated);
        Assert.Equal(100, body.ByteCount);
    }

    [Fact]
    public async Task ReadAsync_NonUtf8Body_ReturnsBase64()
    {
        byte[] bytes = [0xFF, 0xFE, 0x00, 0x81, 0x41, 0xC3];

        var body = await FetchAsync(bytes, ResponseBodyReader.DefaultMaxBytes);

        Assert.Equal(ResponseBodyEncoding.Base64, body.Encoding);
        Assert.Equal(Convert.ToBase64String(bytes), body.Content);
        Assert.Equal(bytes, Convert.FromBase64String(body.Content));
    }

    [Fact]
    public async Task ReadAsync_CutInsideMultiByteCharacter_DropsThePartialCharacterAndStaysText()
    {
        // "é" is two bytes; a limit of 4 cuts "aaaé" between them.
        var body = await FetchAsync(Encoding.UTF8.GetBytes("aaaé and more"), 4);

        Assert.Equal(ResponseBodyEncoding.Utf8, body.Encoding);
        Assert.Equal("aaa", body.Content);
        Assert.True(body.IsTruncated);
    }

    [Fact]
    public async Task ReadAsync_NulByte_ReturnsBase64()
    {
        var body = await ResponseBodyReader.ReadAsync(new MemoryStream([0x61, 0x00, 0x62]), 10, CancellationToken.None);

        Assert.Equal(ResponseBodyEncoding.Base64, body.Encoding);
    }

    [Fact]
    public async Task ReadAsync_EmptyBody_ReturnsEmpty()
    {
        var body = await FetchAsync([], ResponseBodyReader.DefaultMaxBytes);

        Assert.Equal(ResponseBody.Empty, body);
    }

    [Fact]
    public async Task ReadAsync_Stream_ReadsNoMoreThanLimitPlusOne()
    {
        using var stream = new MemoryStream(new byte[10_000]);

        await ResponseBodyReader.ReadAsync(stream, 100, CancellationToken.None);

        Assert.Equal(101, stream.Position);
    }
}
