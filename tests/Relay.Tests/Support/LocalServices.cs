namespace Relay.Tests.Support;

/// <summary>
/// The real services the integration tests use, as deploy/local/test.sh starts them (the same
/// ports as deploy/local/up.sh unless the environment says otherwise).
/// </summary>
public static class LocalServices
{
    public static string ApertiumUrl => Env("RELAY_TEST_APY", "http://127.0.0.1:2737");
    public static int SmtpPort => int.Parse(Env("RELAY_TEST_SMTP_PORT", "1025"));
    public static string MaildevUrl => Env("RELAY_TEST_MAILDEV", "http://127.0.0.1:1080");

    public static int ImapPort => int.Parse(Env("RELAY_TEST_IMAP_PORT", "1143"));
    public static string ImapUser => Env("RELAY_TEST_IMAP_USER", "bounces@relay.test");
    public static string ImapPassword => Environment.GetEnvironmentVariable("RELAY_TEST_IMAP_PASSWORD")
        ?? throw new InvalidOperationException("RELAY_TEST_IMAP_PASSWORD is not set: run the tests through deploy/local/test.sh, which starts dovecot.");

    /// <summary>The intake mailbox, a second dovecot user (unions write to relay+&lt;union&gt;@relay.test).</summary>
    public static string IntakeImapUser => Env("RELAY_TEST_INTAKE_IMAP_USER", "relay@relay.test");
    public static string IntakeImapPassword => Environment.GetEnvironmentVariable("RELAY_TEST_INTAKE_IMAP_PASSWORD")
        ?? throw new InvalidOperationException("RELAY_TEST_INTAKE_IMAP_PASSWORD is not set: run the tests through deploy/local/test.sh, which starts dovecot.");

    /// <summary>A server-level connection string; tests create their own databases in it.</summary>
    public static string Postgres => Environment.GetEnvironmentVariable("RELAY_TEST_POSTGRES")
        ?? throw new InvalidOperationException("RELAY_TEST_POSTGRES is not set: run the tests through deploy/local/test.sh, which starts PostgreSQL.");

    /// <summary>The broker (its "relay" virtual host), with the password test.sh exports.</summary>
    public static RabbitMQ.Client.ConnectionFactory RabbitMq => new()
    {
        HostName = "127.0.0.1", Port = int.Parse(Env("RELAY_TEST_RABBITMQ_PORT", "5672")), VirtualHost = "relay", UserName = "relay",
        Password = Environment.GetEnvironmentVariable("RabbitMq__Password")
            ?? throw new InvalidOperationException("RabbitMq__Password is not set: run the tests through deploy/local/test.sh, which starts RabbitMQ."),
    };

    private static string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;
}
