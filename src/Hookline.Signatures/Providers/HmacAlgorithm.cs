namespace Hookline.Signatures.Providers;

/// <summary>The hash function of an HMAC signature.</summary>
public enum HmacAlgorithm
{
    /// <summary>HMAC-SHA1 (Twilio, Intercom, GitHub's legacy header).</summary>
    Sha1,

    /// <summary>HMAC-SHA256, the usual choice.</summary>
    Sha256,

    /// <summary>HMAC-SHA512.</summary>
    Sha512,
}

/// <summary>How signature bytes are written in a header.</summary>
public enum SignatureEncoding
{
    /// <summary>Hexadecimal (read in either case, written in lower case).</summary>
    Hex,

    /// <summary>Standard base64 with padding.</summary>
    Base64,
}

/// <summary>How a configured secret string becomes HMAC key bytes.</summary>
public enum SecretEncoding
{
    /// <summary>The secret's UTF-8 bytes, as most providers do (GitHub, Stripe, Shopify, …).</summary>
    Utf8,

    /// <summary>The secret is base64; its decoded bytes are the key.</summary>
    Base64,

    /// <summary>The secret is hex; its decoded bytes are the key.</summary>
    Hex,

    /// <summary>A Standard Webhooks <c>whsec_</c> secret: the base64 after the prefix is the key.</summary>
    Whsec,
}
